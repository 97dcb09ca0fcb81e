import { Body, Controller, Get, HttpCode, HttpStatus, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { AdminSystemService } from './admin-system.service';
import { MaintenanceDto, PatchConfigDto } from './dto/system.dto';
import { NotImpersonatingGuard } from './not-impersonating.guard';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(NotImpersonatingGuard)
@Controller('admin/system')
export class AdminSystemController {
  constructor(private readonly system: AdminSystemService) {}

  @Get('health')
  @RequirePermissions(Permission.SystemRead)
  health() {
    return this.system.healthReport();
  }

  /** Uptime, memory, event-loop lag, Temporal task-queue pollers and backlog. */
  @Get('metrics')
  @RequirePermissions(Permission.SystemRead)
  metrics() {
    return this.system.metrics();
  }

  /** The effective environment (secrets redacted) and the runtime settings in force. */
  @Get('config')
  @RequirePermissions(Permission.SystemRead)
  config() {
    return this.system.effectiveConfig();
  }

  /** Stores a new settings version; every API process applies it without a restart. */
  @Patch('config')
  @RequirePermissions(Permission.SystemManage)
  patchConfig(@CurrentPrincipal() p: Principal, @Body() dto: PatchConfigDto) {
    return this.system.patchConfig(p, dto);
  }

  /** While on, non-admins get 503 + Retry-After (health and login stay up; running workflows continue). */
  @Post('maintenance')
  @RequirePermissions(Permission.SystemManage)
  @HttpCode(HttpStatus.OK)
  maintenance(@CurrentPrincipal() p: Principal, @Body() dto: MaintenanceDto) {
    return this.system.setMaintenance(p, dto);
  }

  @Post('cache/clear')
  @RequirePermissions(Permission.SystemManage)
  @HttpCode(HttpStatus.OK)
  clearCaches(@CurrentPrincipal() p: Principal) {
    return this.system.clearCaches(p);
  }
}
