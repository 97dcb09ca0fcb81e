import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { CursorPageQuery } from '../common/pagination/cursor-page';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { AdminPoliciesService } from './admin-policies.service';
import { CreatePolicyDto, PolicyDto, PolicyPageDto, SimulatePolicyDto, SimulationDto, UpdatePolicyDto } from './dto/policies.dto';
import { NotImpersonatingGuard } from './not-impersonating.guard';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(NotImpersonatingGuard)
@Controller('admin/policies')
export class AdminPoliciesController {
  constructor(private readonly policies: AdminPoliciesService) {}

  @Get()
  @RequirePermissions(Permission.PoliciesRead)
  list(@Query() query: CursorPageQuery): Promise<PolicyPageDto> {
    return this.policies.list(query);
  }

  /** Rules allow or deny by role, team, model, tool, cost ceiling, time window and classification. */
  @Post()
  @RequirePermissions(Permission.PoliciesManage)
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreatePolicyDto): Promise<PolicyDto> {
    return this.policies.create(p, dto);
  }

  /** Evaluates the enabled policies for a hypothetical request: decision and per-rule trace. */
  @Post('simulate')
  @RequirePermissions(Permission.PoliciesRead)
  @HttpCode(HttpStatus.OK)
  simulate(@Body() dto: SimulatePolicyDto): Promise<SimulationDto> {
    return this.policies.simulate(dto);
  }

  @Get(':id')
  @RequirePermissions(Permission.PoliciesRead)
  get(@Param('id', UUID) id: string): Promise<PolicyDto> {
    return this.policies.get(id);
  }

  @Patch(':id')
  @RequirePermissions(Permission.PoliciesManage)
  update(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Body() dto: UpdatePolicyDto): Promise<PolicyDto> {
    return this.policies.update(p, id, dto);
  }

  @Delete(':id')
  @RequirePermissions(Permission.PoliciesManage)
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<void> {
    return this.policies.remove(p, id);
  }
}
