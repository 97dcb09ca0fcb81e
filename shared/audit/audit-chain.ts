import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditChainHead, AuditEvent } from '../persistence/entities/audit-event.entity';
import type { AuditDraft } from './audit-draft';
import { anchorSignatureValid, auditEventHash, canonicalRedactedRow, GENESIS_HASH } from './audit-hash';
import { auditPiiDigest, newPiiNonce, redactionSealValid } from './audit-pii';

export type ChainBreak = 'hash mismatch' | 'gap' | 'prev_hash mismatch' | 'anchor signature mismatch';

export interface ChainVerification {
  verified: number;
  ok: boolean;
  firstBrokenSeq?: number;
  reason?: ChainBreak;
  /** Where verification started: 0 (genesis) or the last event retention deleted. */
  anchorSeq: number;
  headSeq: number;
}

const VERIFY_PAGE = 1000;

/** Locks the chain head for the rest of the transaction: appends and purges run one at a time, across processes. */
export async function lockChainHead(tx: EntityManager): Promise<AuditChainHead> {
  const head = await tx.findOne(AuditChainHead, { id: 1 }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  if (head) return head;
  // First append ever (the migration seeds the row; this covers a truncated table).
  await tx.createQueryBuilder(AuditChainHead).insert({ id: 1, headSeq: 0, headHash: GENESIS_HASH, anchorSeq: 0, anchorHash: GENESIS_HASH }).onConflict('id').ignore();
  return tx.findOneOrFail(AuditChainHead, { id: 1 }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
}

/**
 * Appends drafts to the chain in one transaction under the head lock. Drafts whose id is already
 * stored are skipped (an activity retry records once). Returns the seqs given, in draft order.
 */
export async function appendAuditEvents(em: EntityManager, drafts: readonly AuditDraft[]): Promise<number[]> {
  if (!drafts.length) return [];
  return em.fork().transactional(async (tx) => {
    const head = await lockChainHead(tx);
    const existing = await tx.find(AuditEvent, { id: { $in: drafts.map((d) => d.id) } }, { fields: ['id'] });
    const stored = new Set(existing.map((e) => e.id));
    let seq = head.headSeq;
    let prev = head.headHash;
    const seqs: number[] = [];
    const rows: AuditEvent[] = [];
    for (const draft of drafts) {
      if (stored.has(draft.id)) continue;
      stored.add(draft.id);
      const piiNonce = newPiiNonce();
      const fields = { ...draft, seq: ++seq, prevHash: prev, piiNonce, piiDigest: auditPiiDigest(draft, piiNonce) };
      const hash = auditEventHash(fields);
      rows.push(tx.create(AuditEvent, { ...fields, hash }));
      seqs.push(seq);
      prev = hash;
    }
    head.headSeq = seq;
    head.headHash = prev;
    await tx.flush();
    return seqs;
  });
}

/**
 * A pseudonymised row must carry a valid redaction seal (v1 rows: instead of the hash, which needs the
 * erased values); a v2 row still holding its values must match their digest; v2 and v1 rows match their hash.
 */
function rowValid(row: AuditEvent, anchorKey: Buffer): boolean {
  if (row.redactionSeal || row.piiErasedAt) {
    if (!redactionSealValid(anchorKey, row, canonicalRedactedRow(row))) return false;
    return row.piiDigest ? auditEventHash(row) === row.hash : true;
  }
  if (row.piiDigest && (!row.piiNonce || auditPiiDigest(row, row.piiNonce) !== row.piiDigest)) return false;
  return auditEventHash(row) === row.hash;
}

/**
 * Walks the chain from its anchor to the head as it was when the walk began, a page at a time
 * (memory stays flat), and reports the first break.
 */
export async function verifyAuditChain(em: EntityManager, anchorKey: Buffer): Promise<ChainVerification> {
  const head = await em.fork().findOne(AuditChainHead, { id: 1 });
  if (!head) return { verified: 0, ok: true, anchorSeq: 0, headSeq: 0 };
  const base = { anchorSeq: head.anchorSeq, headSeq: head.headSeq };
  if (!anchorSignatureValid(anchorKey, head.anchorSeq, head.anchorHash, head.anchorSignature)) {
    return { ...base, verified: 0, ok: false, firstBrokenSeq: head.anchorSeq, reason: 'anchor signature mismatch' };
  }
  let expected = head.anchorSeq + 1;
  let prev = head.anchorHash;
  let verified = 0;
  const broken = (seq: number, reason: ChainBreak): ChainVerification => ({ ...base, verified, ok: false, firstBrokenSeq: seq, reason });

  for (;;) {
    const page = await em.fork().find(AuditEvent, { seq: { $gte: expected, $lte: head.headSeq } }, { orderBy: { seq: 'asc' }, limit: VERIFY_PAGE });
    for (const row of page) {
      if (row.seq !== expected) return broken(expected, 'gap');
      if (row.prevHash !== prev) return broken(row.seq, 'prev_hash mismatch');
      if (!rowValid(row, anchorKey)) return broken(row.seq, 'hash mismatch');
      prev = row.hash;
      expected++;
      verified++;
    }
    if (page.length < VERIFY_PAGE) break;
  }
  // Rows cut from the end leave the head pointing past the last one.
  if (expected <= head.headSeq) return broken(expected, 'gap');
  if (prev !== head.headHash) return broken(head.headSeq, 'hash mismatch');
  return { ...base, verified, ok: true };
}
