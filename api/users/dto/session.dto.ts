import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import type { Session } from '../../../shared/persistence/entities';
import { CursorPageQuery } from '../../common/pagination/cursor-page';

const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListSessionsQueryDto extends CursorPageQuery {
  /** Also list revoked and expired sessions. */
  @IsOptional() @Transform(toBool) @IsBoolean()
  includeRevoked?: boolean;
}

export class SessionDto {
  id: string;
  ip: string | null;
  userAgent: string | null;
  /** password, mfa, oidc:<provider>. */
  method: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  revokedAt: string | null;
  /** The session this request was made with. */
  current: boolean;

  static from(s: Session, currentSessionId?: string): SessionDto {
    return {
      id: s.id,
      ip: s.ip,
      userAgent: s.userAgent,
      method: s.method,
      createdAt: s.createdAt.toISOString(),
      lastUsedAt: s.lastUsedAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      revokedAt: s.revokedAt?.toISOString() ?? null,
      current: s.id === currentSessionId,
    };
  }
}

export class SessionPageDto {
  items: SessionDto[];
  nextCursor: string | null;
}
