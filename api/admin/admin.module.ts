import { Global, Module } from '@nestjs/common';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { UsersModule } from '../users/users.module';
import { AdminPoliciesController } from './admin-policies.controller';
import { AdminPoliciesService } from './admin-policies.service';
import { AdminRolesController } from './admin-roles.controller';
import { AdminRolesService } from './admin-roles.service';
import { AdminSystemController } from './admin-system.controller';
import { AdminSystemService } from './admin-system.service';
import { AdminTeamsController } from './admin-teams.controller';
import { AdminTeamsService } from './admin-teams.service';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';
import { MaintenanceService } from './maintenance.service';
import { PolicyService } from './policy.service';
import { RuntimeSettings } from './runtime-settings.service';

/**
 * /admin: roles, teams, users, policies and the system (each behind its own permissions; never while impersonating).
 * Global so the chat and tool paths can inject PolicyService without importing administration.
 */
@Global()
@Module({
  imports: [UsersModule, MonitoringModule],
  controllers: [AdminRolesController, AdminTeamsController, AdminUsersController, AdminPoliciesController, AdminSystemController],
  providers: [AdminRolesService, AdminTeamsService, AdminUsersService, AdminPoliciesService, AdminSystemService, MaintenanceService, PolicyService, RuntimeSettings],
  exports: [PolicyService, RuntimeSettings],
})
export class AdminModule {}
