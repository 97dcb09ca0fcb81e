import { BigIntType, Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** Who acted: a signed-in user, an API key, nobody (public routes) or the system (workflows). */
export type AuditActorType = 'user' | 'api-key' | 'anonymous' | 'system';

/**
 * One audited action. Rows form a hash chain: `hash` = SHA-256 over the canonical fields and
 * `prevHash`; `seq` is gapless (shared/audit/audit-chain.ts is the only writer). No foreign keys:
 * the trail outlives the users and resources it names.
 */
@Entity({ tableName: 'audit_events' })
@Index({ properties: ['occurredAt'] })
@Index({ properties: ['actorUserId', 'seq'] })
@Index({ properties: ['resourceType', 'resourceId'] })
@Index({ properties: ['action', 'seq'] })
export class AuditEvent {
  [OptionalProps]?: 'actorUserId' | 'actorRole' | 'actorEmail' | 'sessionId' | 'apiKeyId' | 'resourceType' | 'resourceId' | 'statusCode' | 'ip' | 'userAgent' | 'requestId' | 'before' | 'after' | 'context' | 'piiDigest' | 'piiNonce' | 'redactionSeal' | 'piiErasedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: new BigIntType('number'), unique: true })
  seq: number;

  @Property({ type: 'timestamptz' })
  occurredAt: Date;

  @Property({ type: 'string', length: 16 })
  actorType: AuditActorType;

  @Property({ type: 'uuid', nullable: true })
  actorUserId: string | null = null;

  @Property({ type: 'string', length: 40, nullable: true })
  actorRole: string | null = null;

  /** The signed-in user's email, or the email a login/registration attempt named. */
  @Property({ type: 'string', length: 320, nullable: true })
  actorEmail: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  sessionId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  apiKeyId: string | null = null;

  /** `PATCH /users/:id` for requests; `user.role_changed`, `approval.decided`… for domain events. */
  @Property({ type: 'string', length: 300 })
  action: string;

  @Property({ type: 'string', length: 100, nullable: true })
  resourceType: string | null = null;

  @Property({ type: 'string', length: 200, nullable: true })
  resourceId: string | null = null;

  /** success, denied, failure, or a domain word (approved, rejected, stopped…). */
  @Property({ type: 'string', length: 40 })
  outcome: string;

  @Property({ type: 'smallint', nullable: true })
  statusCode: number | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  ip: string | null = null;

  @Property({ type: 'string', length: 512, nullable: true })
  userAgent: string | null = null;

  @Property({ type: 'string', length: 128, nullable: true })
  requestId: string | null = null;

  @Property({ type: 'json', nullable: true })
  before: Record<string, unknown> | null = null;

  @Property({ type: 'json', nullable: true })
  after: Record<string, unknown> | null = null;

  /** Extra facts (workflow id, reason…); never request bodies. */
  @Property({ type: 'json', nullable: true })
  context: Record<string, unknown> | null = null;

  /**
   * Hash v2 (rows appended since the GDPR migration): SHA-256 over the personal fields (actor id,
   * email, ip, user agent, resource id) and `piiNonce`; the row hash covers this digest instead of
   * those fields, so erasure can replace them without breaking the chain. Null on v1 rows.
   */
  @Property({ type: 'string', length: 64, nullable: true })
  piiDigest: string | null = null;

  /** Random salt of the digest (an email cannot be confirmed by guessing); nulled by erasure. */
  @Property({ type: 'string', length: 32, nullable: true })
  piiNonce: string | null = null;

  /** Set by erasure: HMAC (anchor key) over the row as pseudonymised, see shared/audit/audit-pii.ts. */
  @Property({ type: 'string', length: 64, nullable: true })
  redactionSeal: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  piiErasedAt: Date | null = null;

  @Property({ type: 'string', length: 64 })
  prevHash: string;

  @Property({ type: 'string', length: 64 })
  hash: string;
}

/**
 * The single row (id 1) appenders lock (SELECT … FOR UPDATE) to serialise the chain across processes.
 * The anchor is where verification starts: genesis, or the last event retention deleted (HMAC-signed).
 */
@Entity({ tableName: 'audit_chain' })
export class AuditChainHead {
  @PrimaryKey({ type: 'smallint', autoincrement: false })
  id: number = 1;

  @Property({ type: new BigIntType('number') })
  headSeq: number = 0;

  @Property({ type: 'string', length: 64 })
  headHash: string;

  @Property({ type: new BigIntType('number') })
  anchorSeq: number = 0;

  @Property({ type: 'string', length: 64 })
  anchorHash: string;

  @Property({ type: 'string', length: 64, nullable: true })
  anchorSignature: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  anchoredAt: Date | null = null;
}
