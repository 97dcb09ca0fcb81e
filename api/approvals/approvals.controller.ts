import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { ApprovalsService } from './approvals.service';
import { ApprovalDto, ApprovalPageDto, ApprovalRequestedDto, CreateApprovalDto, DecideApprovalDto, ListApprovalsQueryDto } from './dto/approval.dto';

@ApiTags('approvals')
@ApiBearerAuth()
@Controller('approvals')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  /** Pending requests the caller may decide; `mine=true`: the caller's own requests. Filters: status, kind. */
  @Get()
  @RequirePermissions(Permission.ApprovalsRead)
  list(@CurrentPrincipal() p: Principal, @Query() q: ListApprovalsQueryDto): Promise<ApprovalPageDto> {
    return this.approvals.list(p, q);
  }

  /** Requests an approval by hand (202: the approval workflow records it and notifies the deciders). */
  @Post()
  @RequirePermissions(Permission.ApprovalsRequest)
  @HttpCode(HttpStatus.ACCEPTED)
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateApprovalDto): Promise<ApprovalRequestedDto> {
    return this.approvals.create(p, dto);
  }

  @Get(':id')
  @RequirePermissions(Permission.ApprovalsRead)
  get(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<ApprovalDto> {
    return this.approvals.get(p, id);
  }

  @Post(':id/approve')
  @RequirePermissions(Permission.ApprovalsDecide)
  @HttpCode(HttpStatus.OK)
  approve(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Body() dto: DecideApprovalDto): Promise<ApprovalDto> {
    return this.approvals.decide(p, id, 'approve', dto.comment);
  }

  @Post(':id/reject')
  @RequirePermissions(Permission.ApprovalsDecide)
  @HttpCode(HttpStatus.OK)
  reject(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Body() dto: DecideApprovalDto): Promise<ApprovalDto> {
    return this.approvals.decide(p, id, 'reject', dto.comment);
  }
}
