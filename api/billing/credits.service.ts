import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { creditBalance } from '../../shared/billing/credit-ledger';
import { fromUnits, toUnits, usd } from '../../shared/billing/usd';
import { CreditGrant, User } from '../../shared/persistence/entities';
import type { Principal } from '../common/auth/principal';
import { afterCursor, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import type { CreditGrantDto, CreditGrantViewDto, CreditsDto, CreditsQuery } from './dto/billing.dto';

/** The credits ledger as the API shows it: a balance of unexpired grants, and admin grants. */
@Injectable()
export class CreditsService {
  constructor(private readonly em: EntityManager) {}

  async mine(principal: Principal, q: CreditsQuery): Promise<CreditsDto> {
    const rows = await this.em.find(
      CreditGrant,
      { user: principal.userId, ...afterCursor(decodeCursor(q.cursor)) },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: q.limit + 1 },
    );
    const balance = await creditBalance(this.em, principal.userId);
    const page = toPage(rows, q.limit, (g) => view(g));
    return { ...balance, nextExpiry: balance.nextExpiry ? new Date(balance.nextExpiry).toISOString() : null, grants: page.items, nextCursor: page.nextCursor };
  }

  async grant(principal: Principal, dto: CreditGrantDto): Promise<CreditGrantViewDto> {
    if (toUnits(dto.amountUsd) <= 0n) throw Problems.validation([{ field: 'amountUsd', message: 'amountUsd must be greater than 0' }]);
    if (dto.expiresAt && dto.expiresAt.getTime() <= Date.now()) throw Problems.validation([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    const user = await this.em.findOne(User, { id: dto.userId, deletedAt: null });
    if (!user) throw Problems.notFound('User');
    const grant = this.em.create(CreditGrant, { user, amountUsd: usd(dto.amountUsd), expiresAt: dto.expiresAt ?? null, reason: dto.reason ?? null, grantedBy: principal.userId });
    await this.em.flush();
    return view(grant);
  }
}

function view(g: CreditGrant): CreditGrantViewDto {
  const remaining = toUnits(usd(g.amountUsd)) - toUnits(usd(g.consumedUsd));
  return {
    id: g.id,
    amountUsd: usd(g.amountUsd),
    consumedUsd: usd(g.consumedUsd),
    remainingUsd: fromUnits(remaining),
    expiresAt: g.expiresAt?.toISOString() ?? null,
    expired: g.expiresAt !== null && g.expiresAt.getTime() <= Date.now(),
    reason: g.reason,
    createdAt: g.createdAt.toISOString(),
  };
}
