import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { CursorPageQuery } from '../common/pagination/cursor-page';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { AdminRolesService } from './admin-roles.service';
import { CreateRoleDto, RoleDto, RolePageDto, RolePermissionsDto, UpdateRoleDto } from './dto/roles.dto';
import { NotImpersonatingGuard } from './not-impersonating.guard';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(NotImpersonatingGuard)
@Controller('admin/roles')
export class AdminRolesController {
  constructor(private readonly roles: AdminRolesService) {}

  @Get()
  @RequirePermissions(Permission.RolesRead)
  list(@Query() query: CursorPageQuery): Promise<RolePageDto> {
    return this.roles.list(query);
  }

  /** Creates a custom role; permissions must be known ones. */
  @Post()
  @RequirePermissions(Permission.RolesManage)
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateRoleDto): Promise<RoleDto> {
    return this.roles.create(p, dto);
  }

  @Get(':id')
  @RequirePermissions(Permission.RolesRead)
  get(@Param('id', UUID) id: string): Promise<RoleDto> {
    return this.roles.get(id);
  }

  /** Renames (custom roles only), re-describes or replaces the permissions; effective within a second everywhere. */
  @Patch(':id')
  @RequirePermissions(Permission.RolesManage)
  update(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Body() dto: UpdateRoleDto): Promise<RoleDto> {
    return this.roles.update(p, id, dto);
  }

  @Patch(':id/permissions')
  @RequirePermissions(Permission.RolesManage)
  setPermissions(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Body() dto: RolePermissionsDto): Promise<RoleDto> {
    return this.roles.update(p, id, dto);
  }

  /** 409 for a built-in role or one still assigned to users or teams. */
  @Delete(':id')
  @RequirePermissions(Permission.RolesManage)
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<void> {
    return this.roles.remove(p, id);
  }
}
