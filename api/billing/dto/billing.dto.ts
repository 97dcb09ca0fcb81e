import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { BudgetScope, BudgetWindow } from '../../../shared/persistence/entities';
import { CursorPageQuery } from '../../common/pagination/cursor-page';
import { IsTimestamp } from '../../common/validation/timestamp.validator';

const USD = /^\d{1,10}(\.\d{1,8})?$/;
const USD_MESSAGE = 'must be a decimal string of USD with at most 8 decimals, e.g. "12.50"';

export class SetBudgetDto {
  /** `user`, `api_key` or `team` (a team's budget counts the spend of all its members). */
  @IsIn([BudgetScope.User, BudgetScope.ApiKey, BudgetScope.Team])
  scopeType: BudgetScope;

  @IsUUID()
  scopeId: string;

  @IsIn(Object.values(BudgetWindow))
  window: BudgetWindow;

  /** USD, exact decimal string. */
  @IsString() @Matches(USD, { message: `limitUsd ${USD_MESSAGE}` })
  limitUsd: string;
}

export class BudgetDto {
  id: string;
  scopeType: string;
  scopeId: string;
  window: string;
  limitUsd: string;
  /** The current window: what is spent, held by running turns, and left. */
  periodStart: string;
  resetsAt: string;
  spentUsd: string;
  reservedUsd: string;
  remainingUsd: string;
}

export class CreditGrantDto {
  @IsUUID()
  userId: string;

  @IsString() @Matches(USD, { message: `amountUsd ${USD_MESSAGE}` })
  amountUsd: string;

  /** When the unconsumed rest lapses; none means never. */
  @IsOptional() @IsTimestamp()
  expiresAt?: Date;

  @IsOptional() @IsString() @MaxLength(500)
  reason?: string;
}

export class CreditGrantViewDto {
  id: string;
  amountUsd: string;
  consumedUsd: string;
  remainingUsd: string;
  expiresAt: string | null;
  expired: boolean;
  reason: string | null;
  createdAt: string;
}

export class CreditsDto {
  balanceUsd: string;
  grantedUsd: string;
  consumedUsd: string;
  nextExpiry: string | null;
  grants: CreditGrantViewDto[];
  nextCursor: string | null;
}

export class CreditsQuery extends CursorPageQuery {}

/** `from` ≤ createdAt < `to` (ISO 8601); defaults to the last 30 days. */
export class UsageQuery {
  @IsOptional() @IsTimestamp()
  from?: Date;

  @IsOptional() @IsTimestamp()
  to?: Date;
}

export class UsageRowDto {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  model: string;
  turns: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
}

export class UsageDto {
  from: string;
  to: string;
  items: UsageRowDto[];
  totals: { turns: number; inputTokens: number; outputTokens: number; costUsd: string };
}
