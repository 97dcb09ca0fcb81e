import { Body, Controller, Get, HttpCode, HttpStatus, Ip, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { UUID } from '../common/pipes/uuid-param.pipe';
import type { UserPageDto } from '../users/dto/list-users.dto';
import type { UserDto } from '../users/dto/user.dto';
import { AdminUsersService } from './admin-users.service';
import { AdminListUsersQueryDto, BulkImportReportDto, ChangeRoleDto, ImpersonationDto } from './dto/admin-users.dto';
import { NotImpersonatingGuard } from './not-impersonating.guard';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(NotImpersonatingGuard)
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  /** Filters: role, status, team, q (email or name), created range; newest first, cursor pages. */
  @Get()
  @RequirePermissions(Permission.UsersRead)
  list(@Query() query: AdminListUsersQueryDto): Promise<UserPageDto> {
    return this.users.list(query);
  }

  /** Accepts `text/csv` with the header `email,name,role`; answers a per-line report. */
  @Post('bulk-import')
  @RequirePermissions(Permission.UsersManage)
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', example: 'email,name,role\nada@example.com,Ada,member' } })
  @HttpCode(HttpStatus.OK)
  bulkImport(@CurrentPrincipal() p: Principal, @Body() csv: string): Promise<BulkImportReportDto> {
    return this.users.bulkImport(p, csv);
  }

  @Patch(':id/role')
  @RequirePermissions(Permission.UsersManage)
  changeRole(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Body() dto: ChangeRoleDto): Promise<UserDto> {
    return this.users.changeRole(p, id, dto.role);
  }

  /** Every session, access token and API key of the user stops working at once. */
  @Post(':id/suspend')
  @RequirePermissions(Permission.UsersManage)
  @HttpCode(HttpStatus.OK)
  suspend(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<UserDto> {
    return this.users.suspend(p, id);
  }

  @Post(':id/activate')
  @RequirePermissions(Permission.UsersManage)
  @HttpCode(HttpStatus.OK)
  activate(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<UserDto> {
    return this.users.activate(p, id);
  }

  /** A 15-minute access token acting as a non-admin user; audited, marked by X-Impersonated-By. */
  @Post(':id/impersonate')
  @RequirePermissions(Permission.UsersManage)
  impersonate(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Ip() ip: string): Promise<ImpersonationDto> {
    return this.users.impersonate(p, id, ip);
  }
}
