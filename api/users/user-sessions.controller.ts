import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '../common/auth/principal';
import { UUID, UUID_OR_ME } from '../common/pipes/uuid-param.pipe';
import { ListSessionsQueryDto, SessionPageDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';

/** `:id` is a user id or `me`; someone else's needs users:manage (otherwise 404). */
@ApiTags('users')
@ApiBearerAuth()
@Controller('users/:id/sessions')
export class UserSessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /** Live sessions, newest first; includeRevoked=true adds ended ones. */
  @Get()
  list(@CurrentPrincipal() principal: Principal, @Param('id', UUID_OR_ME) id: string, @Query() query: ListSessionsQueryDto): Promise<SessionPageDto> {
    return this.sessions.list(principal, id, query);
  }

  /** Ends a session: its access and refresh tokens stop working at once. */
  @Delete(':sid')
  @HttpCode(HttpStatus.NO_CONTENT)
  revoke(@CurrentPrincipal() principal: Principal, @Param('id', UUID_OR_ME) id: string, @Param('sid', UUID) sid: string): Promise<void> {
    return this.sessions.revoke(principal, id, sid);
  }
}
