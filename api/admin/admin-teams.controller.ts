import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { CursorPageQuery } from '../common/pagination/cursor-page';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { AdminTeamsService } from './admin-teams.service';
import { AddTeamMemberDto, CreateTeamDto, TeamDto, TeamMemberDto, TeamMemberPageDto, TeamPageDto, UpdateTeamDto } from './dto/teams.dto';
import { NotImpersonatingGuard } from './not-impersonating.guard';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(NotImpersonatingGuard)
@Controller('admin/teams')
export class AdminTeamsController {
  constructor(private readonly teams: AdminTeamsService) {}

  @Get()
  @RequirePermissions(Permission.TeamsRead)
  list(@Query() query: CursorPageQuery): Promise<TeamPageDto> {
    return this.teams.list(query);
  }

  @Post()
  @RequirePermissions(Permission.TeamsManage)
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateTeamDto): Promise<TeamDto> {
    return this.teams.create(p, dto);
  }

  @Get(':id')
  @RequirePermissions(Permission.TeamsRead)
  get(@Param('id', UUID) id: string): Promise<TeamDto> {
    return this.teams.get(id);
  }

  @Patch(':id')
  @RequirePermissions(Permission.TeamsManage)
  update(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Body() dto: UpdateTeamDto): Promise<TeamDto> {
    return this.teams.update(p, id, dto);
  }

  @Delete(':id')
  @RequirePermissions(Permission.TeamsManage)
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<void> {
    return this.teams.remove(p, id);
  }

  @Get(':id/members')
  @RequirePermissions(Permission.TeamsRead)
  members(@Param('id', UUID) id: string, @Query() query: CursorPageQuery): Promise<TeamMemberPageDto> {
    return this.teams.members(id, query);
  }

  /** Members inherit the team role's permissions on top of their own. */
  @Post(':id/members')
  @RequirePermissions(Permission.TeamsManage)
  addMember(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Body() dto: AddTeamMemberDto): Promise<TeamMemberDto> {
    return this.teams.addMember(p, id, dto);
  }

  @Delete(':id/members/:userId')
  @RequirePermissions(Permission.TeamsManage)
  @HttpCode(HttpStatus.NO_CONTENT)
  removeMember(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Param('userId', UUID) userId: string): Promise<void> {
    return this.teams.removeMember(p, id, userId);
  }
}
