import type { Client } from '@elastic/elasticsearch';
import { buildingAlias, docId, type SearchKind, type VersionedDocument } from '../../shared/search/search-index';

export interface DeleteOp {
  kind: SearchKind;
  id: string;
  version: number;
}

/**
 * Bulk writes with external versions (external_gte: replaying the same state is a no-op, an older one is
 * refused with 409). A 409 means the index already holds a newer state; a 404 on delete, nothing to delete.
 */
export async function bulkWrite(es: Client, targets: string[], docs: VersionedDocument[], deletes: DeleteOp[], refresh: boolean): Promise<{ indexed: number; deleted: number }> {
  if (!docs.length && !deletes.length) return { indexed: 0, deleted: 0 };
  const operations: object[] = [];
  for (const index of targets) {
    for (const { doc, version } of docs) {
      operations.push({ index: { _index: index, _id: docId(doc.kind, doc.id), version, version_type: 'external_gte' } }, doc);
    }
    for (const d of deletes) operations.push({ delete: { _index: index, _id: docId(d.kind, d.id), version: d.version, version_type: 'external_gte' } });
  }
  const res = await es.bulk({ operations, refresh });
  if (res.errors) {
    const failed = res.items
      .map((item) => Object.values(item)[0])
      .filter((r) => r.error && r.status !== 409 && !(r.status === 404 && r.result === 'not_found'));
    // An index that vanished (a reindex dropped the previous version mid-batch) is retried on the alias.
    if (failed.length) throw new Error(`bulk: ${failed.length} failed, first: ${JSON.stringify(failed[0].error)}`);
  }
  return { indexed: docs.length, deleted: deletes.length };
}

/** The alias, plus the index a reindex is building (if any), so no change is missed during a rebuild. */
export async function writeTargets(es: Client, prefix: string, alias: string): Promise<string[]> {
  const building = buildingAlias(prefix);
  if (!(await es.indices.existsAlias({ name: building }))) return [alias];
  const indices = Object.keys(await es.indices.getAlias({ name: building }));
  return [alias, ...indices];
}
