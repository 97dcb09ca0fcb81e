import { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Session } from '../../shared/persistence/entities';
import type { Principal } from '../common/auth/principal';
import { afterCursor, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import { ListSessionsQueryDto, SessionDto, SessionPageDto } from './dto/session.dto';
import { UserScope } from './user-scope.service';

/** A user's login sessions, seen and ended by the user or by an admin. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly em: EntityManager,
    private readonly scope: UserScope,
  ) {}

  async list(principal: Principal, idOrMe: string, query: ListSessionsQueryDto): Promise<SessionPageDto> {
    const user = await this.scope.resolve(principal, idOrMe);
    const where: FilterQuery<Session> = {
      user: user.id,
      ...(query.includeRevoked ? {} : { revokedAt: null, expiresAt: { $gt: new Date() } }),
      ...afterCursor(decodeCursor(query.cursor)),
    };
    const rows = await this.em.find(Session, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.limit + 1 });
    return toPage(rows, query.limit, (s) => SessionDto.from(s, principal.sessionId));
  }

  /** Idempotent: revoking an ended session is a no-op. Its access tokens stop working at once. */
  async revoke(principal: Principal, idOrMe: string, sessionId: string): Promise<void> {
    const user = await this.scope.resolve(principal, idOrMe);
    const session = await this.em.findOne(Session, { id: sessionId, user: user.id });
    if (!session) throw Problems.notFound('Session');
    const reason = user.id === principal.userId ? 'revoked-by-user' : 'revoked-by-admin';
    await this.em.nativeUpdate(Session, { id: session.id, revokedAt: null }, { revokedAt: new Date(), revokedReason: reason });
  }
}
