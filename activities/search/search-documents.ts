import type { EntityManager } from '@mikro-orm/postgresql';
import { MARK_END, MARK_START } from '../../shared/search/highlight';
import { DEFAULT_TENANT, type SearchDocument, type SearchKind, type VersionedDocument } from '../../shared/search/search-index';

/**
 * Postgres → search documents, one loader per kind. A row that should not be searchable (soft-deleted,
 * in a deleted conversation, a deleted user, a system/tool message) is "not visible": the indexer deletes
 * its document. `visible` is SQL so pages for reindex and reconciliation are dense.
 */
interface KindLoader {
  /** Columns and joins; `x` is the row of this kind. */
  from: string;
  visible: string;
  toDoc(row: Row): SearchDocument;
}

type Row = Record<string, unknown>;
const iso = (v: unknown) => new Date(v as string).toISOString();
const str = (v: unknown) => (v == null ? null : String(v));
const DEFAULT_TITLE = 'New conversation';
/** Characters of a file's extracted text that go into its search document (chat retrieval reads every chunk). */
const FILE_TEXT_CAP = 30_000;
// The highlighter's markers (see shared/search/highlight.ts): never part of indexed text.
const HIGHLIGHT_MARKS = new RegExp(`[${MARK_START}${MARK_END}]`, 'g');

const LOADERS: Partial<Record<SearchKind, KindLoader>> = {
  message: {
    from: `select x.id, x.role, x.content, x.model, x.created_at, x.updated_at, x.conversation_id,
        c.owner_id, c.folder, c.tags, c.title as conversation_title,
        greatest(x.search_version, c.search_version) as version,
        (x.deleted_at is null and c.deleted_at is null and x.role in ('user', 'assistant') and x.content <> '') as visible
      from messages x join conversations c on c.id = x.conversation_id`,
    visible: `x.deleted_at is null and c.deleted_at is null and x.role in ('user', 'assistant') and x.content <> ''`,
    toDoc: (r) => ({
      kind: 'message',
      id: String(r.id),
      tenantId: DEFAULT_TENANT,
      ownerId: str(r.owner_id),
      title: String(r.conversation_title ?? ''),
      content: String(r.content).replace(HIGHLIGHT_MARKS, ''),
      conversationId: str(r.conversation_id),
      folder: str(r.folder),
      tags: (r.tags as string[] | null) ?? [],
      role: str(r.role),
      model: str(r.model),
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
    }),
  },
  conversation: {
    from: `select x.id, x.title, x.summary, x.folder, x.tags, x.model, x.owner_id, x.created_at, x.updated_at,
        x.search_version as version, (x.deleted_at is null) as visible,
        exists (select 1 from conversation_shares s where s.conversation_id = x.id and s.revoked_at is null) as shared
      from conversations x`,
    visible: 'x.deleted_at is null',
    toDoc: (r) => {
      const title = String(r.title);
      const tags = (r.tags as string[] | null) ?? [];
      const input = [...(title !== DEFAULT_TITLE ? [title] : []), ...tags];
      return {
        kind: 'conversation',
        id: String(r.id),
        tenantId: DEFAULT_TENANT,
        ownerId: str(r.owner_id),
        title,
        content: String(r.summary ?? ''),
        conversationId: String(r.id),
        folder: str(r.folder),
        tags,
        model: str(r.model),
        shared: Boolean(r.shared),
        createdAt: iso(r.created_at),
        updatedAt: iso(r.updated_at),
        ...(input.length ? { suggest: { input, contexts: { owner: [String(r.owner_id)] } } } : {}),
      };
    },
  },
  tool: {
    from: `select x.id, x.name, x.description, x.category, x.allowed_roles, x.created_at, x.updated_at,
        x.search_version as version, (x.deleted_at is null) as visible from tools x`,
    visible: 'x.deleted_at is null',
    toDoc: (r) => ({
      kind: 'tool',
      id: String(r.id),
      tenantId: DEFAULT_TENANT,
      ownerId: null,
      allowedRoles: (r.allowed_roles as string[] | null) ?? [],
      title: String(r.name),
      content: String(r.description ?? ''),
      tags: [String(r.category)],
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
    }),
  },
  workflow: {
    from: `select x.id, x.name, x.description, x.owner_id, x.created_at, x.updated_at,
        x.search_version as version, (x.deleted_at is null) as visible from workflow_definitions x`,
    visible: 'x.deleted_at is null',
    toDoc: (r) => ({
      kind: 'workflow',
      id: String(r.id),
      tenantId: DEFAULT_TENANT,
      ownerId: str(r.owner_id),
      title: String(r.name),
      content: String(r.description ?? ''),
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
      suggest: { input: [String(r.name)], contexts: { owner: [String(r.owner_id)] } },
    }),
  },
  file: {
    // One document per upload: its name, and the text its ingest extracted (the chunks, in order, capped)
    // once it is ready; marking the file ready bumps its version, so the text arrives with that change.
    from: `select x.id, x.name, x.mime_type, x.owner_id, x.created_at, x.updated_at,
        x.search_version as version, true as visible,
        (select left(string_agg(c.text, ' ' order by c.ordinal), ${FILE_TEXT_CAP}) from file_chunks c where c.file_id = x.id) as text
      from files x`,
    visible: 'true',
    toDoc: (r) => ({
      kind: 'file',
      id: String(r.id),
      tenantId: DEFAULT_TENANT,
      ownerId: str(r.owner_id),
      title: String(r.name),
      content: String(r.text ?? '').replace(HIGHLIGHT_MARKS, ''),
      fileId: String(r.id),
      fileType: str(r.mime_type),
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
      suggest: { input: [String(r.name)], contexts: { owner: [String(r.owner_id)] } },
    }),
  },
  user: {
    from: `select x.id, x.name, x.email, x.role, x.created_at, x.updated_at,
        x.search_version as version, (x.deleted_at is null and x.status <> 'deleted') as visible from users x`,
    visible: `x.deleted_at is null and x.status <> 'deleted'`,
    toDoc: (r) => ({
      kind: 'user',
      id: String(r.id),
      tenantId: DEFAULT_TENANT,
      ownerId: null,
      title: String(r.name),
      content: String(r.email),
      role: str(r.role),
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
    }),
  },
};

/** A Postgres array literal (knex would expand a JS array binding into a list); the cast checks each uuid. */
export function uuidArray(ids: string[]): string {
  return `{${ids.join(',')}}`;
}

function loader(kind: SearchKind): KindLoader {
  const l = LOADERS[kind];
  if (!l) throw new Error(`no search loader for kind "${kind}"`);
  return l;
}

export interface LoadedById {
  docs: VersionedDocument[];
  /** Rows that exist but are not visible (soft-deleted …), with their version; missing ids are absent. */
  hidden: Array<{ id: string; version: number }>;
}

export async function loadByIds(em: EntityManager, kind: SearchKind, ids: string[]): Promise<LoadedById> {
  if (!ids.length) return { docs: [], hidden: [] };
  const l = loader(kind);
  const rows = await em.getConnection().execute<Row[]>(`${l.from} where x.id = any(?::uuid[])`, [uuidArray(ids)]);
  const docs: VersionedDocument[] = [];
  const hidden: LoadedById['hidden'] = [];
  for (const r of rows) {
    if (r.visible) docs.push({ doc: l.toDoc(r), version: Number(r.version) });
    else hidden.push({ id: String(r.id), version: Number(r.version) });
  }
  return { docs, hidden };
}

/** Visible documents of one kind in id order after `afterId` (reindex, reconciliation). */
export async function loadPage(em: EntityManager, kind: SearchKind, afterId: string | null, limit: number): Promise<VersionedDocument[]> {
  const l = loader(kind);
  const rows = await em
    .getConnection()
    .execute<Row[]>(`${l.from} where ${l.visible} ${afterId ? 'and x.id > ?::uuid' : ''} order by x.id limit ?`, afterId ? [afterId, limit] : [limit]);
  return rows.map((r) => ({ doc: l.toDoc(r), version: Number(r.version) }));
}

/** Message ids of these conversations (a conversation change re-derives its messages' documents). */
export async function messageIdsOf(em: EntityManager, conversationIds: string[]): Promise<string[]> {
  if (!conversationIds.length) return [];
  const rows = await em.getConnection().execute<Row[]>(`select id from messages where conversation_id = any(?::uuid[])`, [uuidArray(conversationIds)]);
  return rows.map((r) => String(r.id));
}
