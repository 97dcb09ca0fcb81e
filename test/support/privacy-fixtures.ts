import { randomBytes, randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type Redis from 'ioredis';
import { appendAuditEvents } from '../../shared/audit/audit-chain';
import { auditDraft } from '../../shared/audit/audit-draft';
import { anchorKeyFrom } from '../../shared/audit/audit-hash';
import { pseudonymKeyFrom } from '../../shared/audit/audit-pii';
import { ApiKey, ChatTurn, Conversation, Message, MessageRole, RefreshToken, Session, TurnStatus, UsageRecord, User, UserExport, UserExportChunk } from '../../shared/persistence/entities';
import { encodeTurnEvent, turnStreamKey } from '../../shared/streams/turn-events';

/**
 * The keys the stack's workers derive from DATA_ENCRYPTION_KEY (`eval "$(./dev env)"` exports it).
 * The erasure seals audit rows of the stack's own chain, so the compliance check must use the same key.
 */
export function stackKeys(): { pseudonymKey: Buffer; anchorKey: Buffer } {
  const key = process.env.DATA_ENCRYPTION_KEY;
  if (!key) throw new Error('DATA_ENCRYPTION_KEY is not set: export the stack env first (eval "$(./dev env)")');
  return { pseudonymKey: pseudonymKeyFrom(key), anchorKey: anchorKeyFrom(key) };
}

const hex = (bytes = 32) => randomBytes(bytes).toString('hex');

export interface SeededPrivacyUser {
  userId: string;
  email: string;
  conversationId: string;
  turnId: string;
  /** Every message id of the user's conversations. */
  messageIds: string[];
  /** What must never appear in an export. */
  secrets: { passwordHash: string; keyHash: string; tokenHash: string };
  /** Seqs of the user's own audit events, and of an admin's event about the user. */
  ownAuditSeqs: number[];
  adminAuditSeq: number;
  question: string;
  answer: string;
}

/**
 * A user with a session (refresh token), an API key, a conversation with a completed chat turn (its
 * messages, usage and the turn's token stream in Redis), `extraMessages` more messages, and audit events
 * (two of their own, one by an admin acting on them) appended to the stack's real chain.
 */
export async function seedPrivacyUser(orm: MikroORM, redis: Redis, opts: { tag: string; extraMessages?: number }): Promise<SeededPrivacyUser> {
  const em = orm.em.fork();
  const secrets = { passwordHash: `$argon2id$v=19$m=65536,t=3,p=4$${hex(16)}$${hex(32)}`, keyHash: hex(), tokenHash: hex() };
  const email = `${opts.tag}-${randomUUID()}@example.test`;
  const user = em.create(User, { email, name: `Spec ${opts.tag}`, passwordHash: secrets.passwordHash });
  const session = em.create(Session, { user, userAgent: 'privacy-spec', ip: '10.9.8.7', expiresAt: new Date(Date.now() + 86_400_000) });
  em.create(RefreshToken, { session, tokenHash: secrets.tokenHash, expiresAt: new Date(Date.now() + 86_400_000) });
  em.create(ApiKey, { user, name: `${opts.tag} key`, prefix: hex(6), keyHash: secrets.keyHash });
  const conversation = em.create(Conversation, { owner: user, title: `${opts.tag} conversation` });
  const turnId = randomUUID();
  const question = `${opts.tag}: what is the secret of plum jam?`;
  const answer = `${opts.tag}: patience and a little lemon.`;
  const t0 = Date.now() - 60_000;
  const asked = em.create(Message, { conversation, author: user, role: MessageRole.User, content: question, turnId, createdAt: new Date(t0) });
  const answered = em.create(Message, { conversation, role: MessageRole.Assistant, content: answer, turnId, model: 'spec/model', createdAt: new Date(t0 + 1) });
  const extra = Array.from({ length: opts.extraMessages ?? 0 }, (_, i) =>
    em.create(Message, { conversation, author: user, role: MessageRole.User, content: `${opts.tag} note ${i}`, createdAt: new Date(t0 + 2 + i) }),
  );
  em.create(ChatTurn, { id: turnId, user, conversation, userMessageId: asked.id, assistantMessageId: answered.id, model: 'spec/model', status: TurnStatus.Completed, completedAt: new Date(t0 + 1) });
  em.create(UsageRecord, { sourceId: turnId, kind: 'chat', user, conversationId: conversation.id, model: 'spec/model', provider: 'spec-co', inputTokens: 12, outputTokens: 7, costUsd: '0.00012300' });
  await em.flush();

  const key = turnStreamKey(turnId);
  await redis.xadd(key, '*', ...encodeTurnEvent({ type: 'turn', data: { turnId, conversationId: conversation.id, userMessageId: asked.id, model: 'spec/model' } }));
  await redis.xadd(key, '*', ...encodeTurnEvent({ type: 'token', data: { text: answer } }));
  await redis.xadd(key, '*', ...encodeTurnEvent({ type: 'done', data: { messageId: answered.id, finishReason: 'stop', usage: { inputTokens: 12, outputTokens: 7, costUsd: '0.000123', provider: 'spec-co', model: 'spec/model' } } }));

  const own = { actorType: 'user', actorUserId: user.id, actorRole: 'member', actorEmail: email, ip: '10.9.8.7', userAgent: 'privacy-spec', outcome: 'success', statusCode: 200 } as const;
  const seqs = await appendAuditEvents(orm.em, [
    auditDraft({ ...own, action: 'PATCH /users/me', resourceType: 'users', resourceId: user.id, after: { name: `Spec ${opts.tag}` } }),
    auditDraft({ ...own, action: 'POST /conversations', resourceType: 'conversations', resourceId: conversation.id }),
    auditDraft({ actorType: 'user', actorUserId: randomUUID(), actorRole: 'admin', actorEmail: 'admin@privacy-spec.test', ip: '10.1.1.1', action: 'PATCH /admin/users/:id', resourceType: 'users', resourceId: user.id, outcome: 'success', statusCode: 200 }),
  ]);
  return {
    userId: user.id,
    email,
    conversationId: conversation.id,
    turnId,
    messageIds: [asked.id, answered.id, ...extra.map((m) => m.id)],
    secrets,
    ownAuditSeqs: seqs.slice(0, 2),
    adminAuditSeq: seqs[2],
    question,
    answer,
  };
}

/** The export row the API writes before it starts the workflow. */
export async function createExportRow(orm: MikroORM, userId: string): Promise<string> {
  const em = orm.em.fork();
  const exp = em.create(UserExport, { id: randomUUID(), user: userId, expiresAt: new Date(Date.now() + 7 * 86_400_000) });
  await em.flush();
  return exp.id;
}

/** The stored ZIP of an export, chunks joined in order. */
export async function exportZip(orm: MikroORM, exportId: string): Promise<Buffer> {
  const chunks = await orm.em.fork().find(UserExportChunk, { export: exportId }, { orderBy: { chunkNo: 'asc' } });
  return Buffer.concat(chunks.map((c) => Buffer.from(c.data)));
}
