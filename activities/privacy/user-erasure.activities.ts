import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import type Redis from 'ioredis';
import type { Client } from '@elastic/elasticsearch';
import { eraseUserFromSearchIndex, eraseUserVectors } from '../search/search-erasure';
import { canonicalRedactedRow } from '../../shared/audit/audit-hash';
import type { FileStorage } from '../../shared/files/file-storage';
import { FILE_CHUNKS_COLLECTION } from '../../shared/files/chunk-retrieval';
import type { VectorStore } from '../../shared/vectors/vector-store';
import { redactionSeal, userPseudonym } from '../../shared/audit/audit-pii';
import { AuditEvent, UserErasure, UserErasureStatus } from '../../shared/persistence/entities';
import { turnStreamKey } from '../../shared/streams/turn-events';
import type { UserErasureReport } from '../../workflows/user-erasure/user-erasure.contract';
import { pseudonymiseAuditRow } from './audit-pseudonymise';
import { POSTGRES_ERASURE_STEPS } from './erasure-steps';

export interface UserErasureActivityDeps {
  orm: MikroORM;
  redis: Redis;
  /** Uploaded files' bytes (keys under `<userId>/`). */
  storage: FileStorage;
  /** The vector store of file chunks, when one is configured. */
  vectors?: VectorStore;
  /** HMAC key of user pseudonyms (pseudonymKeyFrom). */
  pseudonymKey: Buffer;
  /** Signs redaction seals (the audit anchor key). */
  anchorKey: Buffer;
  /** The search index (SEARCH_ENGINE=elasticsearch); absent: search runs on the Postgres rows erased here. */
  search?: { es: Client; indexPrefix: string; vectors?: VectorStore };
}

const AUDIT_BATCH = 200;
const DEL_BATCH = 500;

/** Rows changed by an execute(…, 'run'). */
function affected(result: unknown): number {
  return (result as { affectedRows?: number }).affectedRows ?? 0;
}

async function userEmail(em: EntityManager, userId: string): Promise<string | null> {
  const [row] = await em.getConnection().execute<{ email: string }[]>('select email from users where id = ?', [userId]);
  return row && !row.email.endsWith('@deleted.invalid') ? row.email.toLowerCase() : null;
}

export function createUserErasureActivities(deps: UserErasureActivityDeps) {
  const subjectOf = (userId: string) => userPseudonym(deps.pseudonymKey, userId);

  return {
    /**
     * Opens (or reopens) the erasure row and locks the account at once: status deleted, sessions and
     * keys revoked. A completed erasure returns its report: nothing is redone.
     */
    async beginUserErasure(input: { userId: string; requestedBy: string | null }): Promise<{ subject: string; startedAt: string; completed: UserErasureReport | null }> {
      const subject = subjectOf(input.userId);
      const em = deps.orm.em.fork();
      const existing = await em.findOne(UserErasure, { subjectPseudonym: subject });
      if (existing?.status === UserErasureStatus.Completed && existing.report) return { subject, startedAt: existing.startedAt.toISOString(), completed: existing.report as unknown as UserErasureReport };
      const row = existing ?? em.create(UserErasure, { subjectPseudonym: subject, requestedBy: input.requestedBy ?? subject });
      row.status = UserErasureStatus.Running;
      row.error = null;
      await em.flush();
      const now = new Date();
      await em.getConnection().execute(`update users set status = 'deleted', deleted_at = coalesce(deleted_at, ?) where id = ?`, [now, input.userId]);
      await em.getConnection().execute(`update sessions set revoked_at = ?, revoked_reason = 'user-erased' where user_id = ? and revoked_at is null`, [now, input.userId]);
      await em.getConnection().execute('update api_keys set revoked_at = ? where user_id = ? and revoked_at is null', [now, input.userId]);
      return { subject, startedAt: row.startedAt.toISOString(), completed: null };
    },

    /** Each turn's token stream, and the rate-limit counters keyed by the account's email or id. */
    async eraseRedisKeys(input: { userId: string }): Promise<Record<string, number>> {
      const em = deps.orm.em.fork();
      const turns = await em.getConnection().execute<{ id: string }[]>('select id from chat_turns where user_id = ?', [input.userId]);
      let turnStreams = 0;
      for (let i = 0; i < turns.length; i += DEL_BATCH) {
        // One key per call: turn keys hash to different cluster slots.
        const batch = turns.slice(i, i + DEL_BATCH);
        const results = await Promise.all(batch.map((t) => deps.redis.del(turnStreamKey(t.id))));
        turnStreams += results.reduce((a, b) => a + b, 0);
        Context.current().heartbeat(i);
      }
      const email = await userEmail(em, input.userId);
      const keys = [`rl:login:account:mfa:${input.userId}`];
      if (email) {
        keys.push(`rl:login:account:${email}`);
        for (const purpose of ['verify-email', 'reset-password', 'set-password']) keys.push(`rl:account-mail:${purpose}:${email}`);
      }
      let rateLimitKeys = 0;
      for (const k of keys) rateLimitKeys += await deps.redis.del(k);
      return { turnStreams, rateLimitKeys };
    },

    /**
     * Replaces the user's personal fields in the audit trail by their pseudonym (ids) or null (email,
     * ip, user agent), seals each row, and never touches a chain hash. Rows already done no longer match.
     */
    async pseudonymiseAuditEvents(input: { userId: string }): Promise<Record<string, number>> {
      const em = deps.orm.em.fork();
      const subject = subjectOf(input.userId);
      const email = await userEmail(em, input.userId);
      const or: object[] = [{ actorUserId: input.userId }, { resourceId: input.userId }];
      if (email) or.push({ actorEmail: email });
      let pseudonymised = 0;
      let v1Sealed = 0;
      for (let afterSeq = 0; ; ) {
        const rows = await em.fork().find(AuditEvent, { $and: [{ $or: or }, { seq: { $gt: afterSeq } }] }, { orderBy: { seq: 'asc' }, limit: AUDIT_BATCH });
        if (!rows.length) break;
        await em.fork().transactional(async (tx) => {
          for (const row of rows) {
            const changes = pseudonymiseAuditRow(row, { userId: input.userId, email, subject });
            changes.redactionSeal = redactionSeal(deps.anchorKey, row, canonicalRedactedRow({ ...row, ...changes }));
            await tx.nativeUpdate(AuditEvent, { id: row.id }, changes);
            if (!row.piiDigest) v1Sealed++;
          }
        });
        pseudonymised += rows.length;
        afterSeq = rows[rows.length - 1].seq;
        Context.current().heartbeat(afterSeq);
      }
      return { pseudonymised, v1Sealed };
    },

    /**
     * Uploaded files (rows with their chunks, shares and attachments, then every stored byte under the user's
     * prefix: a retry after the rows went still removes the bytes), and generated files: the user's exports
     * (ZIP chunks, pages) and audit report parts that name them.
     */
    async eraseUserFiles(input: { userId: string }): Promise<Record<string, number>> {
      const em = deps.orm.em.fork();
      const conn = em.getConnection();
      const [uploads] = await conn.execute<{ n: string; bytes: string | null; chunks: string }[]>(
        'select count(*) as n, sum(size_bytes) as bytes, (select count(*) from file_chunks c join files f on f.id = c.file_id where f.owner_id = ?) as chunks from files where owner_id = ?',
        [input.userId, input.userId],
      );
      await conn.execute('delete from files where owner_id = ?', [input.userId], 'run');
      const storedObjects = await deps.storage.removePrefix(input.userId);
      // The chunks' vectors carry only ids, but erasure leaves nothing keyed to the user.
      await deps.vectors?.deleteByFilter(FILE_CHUNKS_COLLECTION, { ownerId: input.userId });
      const email = await userEmail(em, input.userId);
      const [chunks] = await conn.execute<{ n: string }[]>('select count(*) as n from user_export_chunks c join user_exports e on e.id = c.export_id where e.user_id = ?', [input.userId]);
      const [pages] = await conn.execute<{ n: string }[]>('select count(*) as n from user_export_pages p join user_exports e on e.id = p.export_id where e.user_id = ?', [input.userId]);
      const exportsDeleted = await conn.execute('delete from user_exports where user_id = ?', [input.userId], 'run');
      // A report is one file: any part naming the user takes the whole report's parts with it.
      const like = `%${input.userId}%`;
      const reportIds = await conn.execute<{ report_id: string }[]>(
        `select distinct report_id from audit_report_parts where content like ? ${email ? 'or content ilike ?' : ''}
         union select id from audit_reports where requested_by = ?`,
        email ? [like, `%${email}%`, input.userId] : [like, input.userId],
      );
      let reportParts = 0;
      for (const { report_id } of reportIds) {
        const res = await conn.execute('delete from audit_report_parts where report_id = ?', [report_id], 'run');
        reportParts += affected(res);
        await conn.execute(`update audit_reports set status = 'failed', error = 'removed by a user erasure', processed = 0 where id = ?`, [report_id]);
      }
      return {
        uploads: Number(uploads.n),
        uploadBytes: Number(uploads.bytes ?? 0),
        uploadChunks: Number(uploads.chunks),
        storedObjects,
        exports: affected(exportsDeleted),
        exportChunks: Number(chunks.n),
        exportPages: Number(pages.n),
        auditReports: reportIds.length,
        auditReportParts: reportParts,
      };
    },

    /**
     * Every row about the user, in one transaction (all or nothing, so a retry starts clean).
     * Usage is first copied under the pseudonym for accounting.
     */
    async erasePostgresRows(input: { userId: string }): Promise<{ deleted: Record<string, number>; retained: Record<string, number> }> {
      const subject = subjectOf(input.userId);
      return deps.orm.em.fork().transactional(async (tx) => {
        const conn = tx.getConnection();
        const run = async (sql: string, params: unknown[]) => affected(await conn.execute(sql, params, 'run', tx.getTransactionContext()));
        const retainedUsage = await run(
          `insert into retained_usage_records (id, subject_pseudonym, kind, model, provider, input_tokens, output_tokens, cost_usd, occurred_at)
           select id, ?, kind, model, provider, input_tokens, output_tokens, cost_usd, created_at from usage_records where user_id = ? on conflict (id) do nothing`,
          [subject, input.userId],
        );
        const deleted: Record<string, number> = {};
        for (const step of POSTGRES_ERASURE_STEPS) {
          if (step.onlyIfTable) {
            const [t] = await conn.execute<{ t: string | null }[]>('select to_regclass(?) as t', [step.onlyIfTable], 'all', tx.getTransactionContext());
            if (!t?.t) continue;
          }
          deleted[step.name] = await run(step.sql, step.params(input.userId, subject));
        }
        return { deleted, retained: { usageRecords: retainedUsage } };
      });
    },

    async eraseSearchIndexes(input: { userId: string }): Promise<{ status: string; documents?: number }> {
      // Without Elasticsearch, search runs on Postgres full-text over the rows erased above.
      if (!deps.search) return { status: 'no search index configured' };
      const documents = await eraseUserFromSearchIndex(deps.search.es, deps.search.indexPrefix, input.userId);
      if (deps.search.vectors) await eraseUserVectors(deps.search.vectors, input.userId);
      return { status: 'erased', documents };
    },

    async finishUserErasure(input: { subject: string; report: UserErasureReport }): Promise<{ completedAt: string }> {
      const em = deps.orm.em.fork();
      const row = await em.findOneOrFail(UserErasure, { subjectPseudonym: input.subject });
      row.completedAt ??= new Date();
      row.report = { ...input.report, completedAt: row.completedAt.toISOString() } as unknown as Record<string, unknown>;
      row.status = UserErasureStatus.Completed;
      await em.flush();
      return { completedAt: row.completedAt.toISOString() };
    },

    async failUserErasure(input: { subject: string; report: UserErasureReport; error: string }): Promise<void> {
      await deps.orm.em.fork().nativeUpdate(UserErasure, { subjectPseudonym: input.subject }, { status: UserErasureStatus.Failed, report: input.report as unknown as Record<string, unknown>, error: input.error.slice(0, 2000) });
    },
  };
}

export type UserErasureActivities = ReturnType<typeof createUserErasureActivities>;
