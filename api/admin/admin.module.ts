import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AdminRolesController } from './admin-roles.controller';
import { AdminRolesService } from './admin-roles.service';
import { AdminTeamsController } from './admin-teams.controller';
import { AdminTeamsService } from './admin-teams.service';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';
import { RuntimeSettings } from './runtime-settings.service';

/** /admin: roles, teams, users, policies and the system (each behind its own permissions; never while impersonating). */
@Module({
  imports: [UsersModule],
  controllers: [AdminRolesController, AdminTeamsController, AdminUsersController],
  providers: [AdminRolesService, AdminTeamsService, AdminUsersService, RuntimeSettings],
})
export class AdminModule {}
