import type { MikroORM } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import { lockChainHead } from '../../shared/audit/audit-chain';
import { signAnchor } from '../../shared/audit/audit-hash';
import { AuditEvent } from '../../shared/persistence/entities';

export interface AuditRetentionDeps {
  orm: MikroORM;
  retentionDays: number;
  anchorKey: Buffer;
}

/** Rows deleted per transaction: the chain lock is held briefly, appends wait at most one batch. */
const PURGE_BATCH = 5000;

export function createAuditRetentionActivities(deps: AuditRetentionDeps) {
  /**
   * One batch: deletes the oldest events, but only a prefix of the chain that is entirely past
   * retention, and makes the last deleted event the signed anchor verification starts from.
   */
  async function purgeBatch(cutoff: Date): Promise<number> {
    return deps.orm.em.fork().transactional(async (tx) => {
      const head = await lockChainHead(tx);
      const firstKept = await tx.findOne(AuditEvent, { occurredAt: { $gte: cutoff } }, { orderBy: { seq: 'asc' }, fields: ['seq'] });
      const keepFrom = firstKept ? firstKept.seq : head.headSeq + 1;
      const upTo = Math.min(keepFrom - 1, head.anchorSeq + PURGE_BATCH);
      if (upTo <= head.anchorSeq) return 0;
      const last = await tx.findOne(AuditEvent, { seq: upTo });
      if (!last) throw new Error(`audit event seq ${upTo} is missing: the chain is broken, retention stops`);
      const deleted = await tx.nativeDelete(AuditEvent, { seq: { $lte: upTo } });
      head.anchorSeq = last.seq;
      head.anchorHash = last.hash;
      head.anchorSignature = signAnchor(deps.anchorKey, last.seq, last.hash);
      head.anchoredAt = new Date();
      await tx.flush();
      return deleted;
    });
  }

  return {
    /** Deletes events older than AUDIT_RETENTION_DAYS (or `retentionDays` when given); returns how many. */
    async purgeExpiredAuditEvents(input: { retentionDays?: number } = {}): Promise<{ deleted: number; cutoff: string }> {
      const days = input.retentionDays ?? deps.retentionDays;
      const cutoff = new Date(Date.now() - days * 86_400_000);
      let deleted = 0;
      for (;;) {
        const n = await purgeBatch(cutoff);
        deleted += n;
        Context.current().heartbeat({ deleted });
        if (n === 0) break;
      }
      return { deleted, cutoff: cutoff.toISOString() };
    },
  };
}

export type AuditRetentionActivities = ReturnType<typeof createAuditRetentionActivities>;
