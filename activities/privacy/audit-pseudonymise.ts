import type { AuditEvent } from '../../shared/persistence/entities';

export interface AuditRowChanges {
  actorUserId: string | null;
  actorEmail: string | null;
  ip: string | null;
  userAgent: string | null;
  resourceId: string | null;
  piiNonce: null;
  piiErasedAt: Date;
  redactionSeal?: string;
}

/**
 * The personal fields of one audit row after erasing `userId`: their id becomes the pseudonym, their
 * email goes; ip and user agent go when the row is the user's own action. Someone else acting on the
 * user keeps their own fields (only the resource id changes). The chain hash is never touched:
 * the caller seals the row (v2 rows keep verifying their hash, which covers only the digest).
 */
export function pseudonymiseAuditRow(row: AuditEvent, who: { userId: string; email: string | null; subject: string }): AuditRowChanges {
  const ownAction = row.actorUserId === who.userId || (who.email !== null && row.actorEmail === who.email);
  return {
    actorUserId: row.actorUserId === who.userId ? who.subject : row.actorUserId,
    actorEmail: ownAction ? null : row.actorEmail,
    ip: ownAction ? null : row.ip,
    userAgent: ownAction ? null : row.userAgent,
    resourceId: row.resourceId === who.userId ? who.subject : row.resourceId,
    piiNonce: null,
    piiErasedAt: new Date(),
  };
}
