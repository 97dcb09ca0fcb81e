import { Module } from '@nestjs/common';
import { AdminRolesController } from './admin-roles.controller';
import { AdminRolesService } from './admin-roles.service';
import { AdminTeamsController } from './admin-teams.controller';
import { AdminTeamsService } from './admin-teams.service';

/** /admin: roles, teams, users, policies and the system (each behind its own permissions; never while impersonating). */
@Module({
  controllers: [AdminRolesController, AdminTeamsController],
  providers: [AdminRolesService, AdminTeamsService],
})
export class AdminModule {}
