import type { EntityManager } from '@mikro-orm/postgresql';
import { MARK_END, MARK_START, parseHighlight } from './highlight';
import type { SearchEngine, SearchHit, SearchQuery, SearchResult, SearchScope, Suggestion } from './search-engine';
import type { SearchKind } from './search-index';

/**
 * SEARCH_ENGINE=postgres: Postgres full-text (websearch_to_tsquery over the GIN expression indexes of
 * Migration20261202100100). Same interface and access rules; lacks fuzzy matching, did-you-mean, semantic
 * and hybrid modes, facets other than `kind`, and its suggestions are plain title prefixes (see README).
 */
const CFG = `'english'`;
const HEADLINE = `'StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=30, MinWords=10, MaxFragments=2'`;

interface Row {
  kind: SearchKind;
  id: string;
  title: string;
  conversation_id: string | null;
  role: string | null;
  model: string | null;
  folder: string | null;
  tags: string[] | null;
  created_at: Date;
  rank: number;
  headline: string | null;
  total: string;
}

export class PostgresSearchEngine implements SearchEngine {
  readonly name = 'postgres' as const;

  constructor(private readonly em: () => EntityManager) {}

  async search(scope: SearchScope, q: SearchQuery): Promise<SearchResult> {
    const params: unknown[] = [];
    const p = (v: unknown) => (params.push(v), '?');
    const tsq = () => `websearch_to_tsquery(${CFG}, ${p(q.text)})`;
    const f = q.filters;
    const parts: string[] = [];
    // `extra` is evaluated (its bindings pushed) before the dates: keep that order in the text too.
    const common = (created: string, extra: string[]) => [
      ...extra,
      ...(f.from ? [`${created} >= ${p(f.from)}`] : []),
      ...(f.to ? [`${created} <= ${p(f.to)}`] : []),
    ];
    const want = (k: SearchKind) => q.kinds.includes(k);
    const noExtras = !f.role && !f.model && !f.fileType && !f.conversationId && !f.folder && !f.tag;
    if (want('message')) {
      const conds = () => common('m.created_at', [
        `c.owner_id = ${p(scope.userId)}`, 'm.deleted_at is null', 'c.deleted_at is null', `m.role in ('user', 'assistant')`,
        ...(f.conversationId ? [`c.id = ${p(f.conversationId)}`] : []),
        ...(f.folder ? [`c.folder = ${p(f.folder)}`] : []),
        ...(f.tag ? [`jsonb_exists(c.tags::jsonb, ${p(f.tag)})`] : []),
        ...(f.role ? [`m.role = ${p(f.role)}`] : []),
        ...(f.model ? [`m.model = ${p(f.model)}`] : []),
        ...(f.fileType ? ['false'] : []),
      ]);
      parts.push(`select 'message' as kind, m.id, c.title, c.id as conversation_id, m.role, m.model, c.folder, c.tags, m.created_at,
          ts_rank(to_tsvector(${CFG}, m.content), ${tsq()}) as rank,
          ts_headline(${CFG}, m.content, ${tsq()}, ${HEADLINE}) as headline
        from messages m join conversations c on c.id = m.conversation_id
        where to_tsvector(${CFG}, m.content) @@ ${tsq()} and ${conds().join(' and ')}`);
    }
    if (want('conversation') && !f.role && !f.model && !f.fileType) {
      const conds = () => common('c.created_at', [
        `c.owner_id = ${p(scope.userId)}`, 'c.deleted_at is null',
        ...(f.conversationId ? [`c.id = ${p(f.conversationId)}`] : []),
        ...(f.folder ? [`c.folder = ${p(f.folder)}`] : []),
        ...(f.tag ? [`jsonb_exists(c.tags::jsonb, ${p(f.tag)})`] : []),
      ]);
      const doc = `to_tsvector(${CFG}, c.title || ' ' || coalesce(c.summary, ''))`;
      parts.push(`select 'conversation', c.id, c.title, c.id, null, c.model, c.folder, c.tags, c.created_at,
          ts_rank(${doc}, ${tsq()}), ts_headline(${CFG}, c.title, ${tsq()}, ${HEADLINE})
        from conversations c where ${doc} @@ ${tsq()} and ${conds().join(' and ')}`);
    }
    if (want('workflow') && noExtras) {
      const doc = `to_tsvector(${CFG}, w.name || ' ' || w.description)`;
      parts.push(`select 'workflow', w.id, w.name, null, null, null, null, null, w.created_at, ts_rank(${doc}, ${tsq()}),
          ts_headline(${CFG}, w.name || ' ' || w.description, ${tsq()}, ${HEADLINE})
        from workflow_definitions w where ${doc} @@ ${tsq()} and w.owner_id = ${p(scope.userId)} and w.deleted_at is null and ${common('w.created_at', ['true']).join(' and ')}`);
    }
    if (want('tool') && scope.seeTools && noExtras) {
      const doc = `to_tsvector(${CFG}, t.name || ' ' || t.description)`;
      parts.push(`select 'tool', t.id, t.name, null, null, null, null, null, t.created_at, ts_rank(${doc}, ${tsq()}),
          ts_headline(${CFG}, t.name || ' ' || t.description, ${tsq()}, ${HEADLINE})
        from tools t where ${doc} @@ ${tsq()} and t.deleted_at is null ${scope.seeAllTools ? '' : `and jsonb_exists(t.allowed_roles::jsonb, ${p(scope.role)})`} and ${common('t.created_at', ['true']).join(' and ')}`);
    }
    if (want('user') && scope.seeUsers && (noExtras || (f.role && !f.model && !f.fileType && !f.conversationId && !f.folder && !f.tag))) {
      const doc = `to_tsvector('simple', u.name || ' ' || u.email)`;
      parts.push(`select 'user', u.id, u.name, null, u.role, null, null, null, u.created_at, ts_rank(${doc}, ${tsq()}),
          ts_headline('simple', u.name, ${tsq()}, ${HEADLINE})
        from users u where ${doc} @@ ${tsq()} and u.deleted_at is null and u.status <> 'deleted' ${f.role ? `and u.role = ${p(f.role)}` : ''} and ${common('u.created_at', ['true']).join(' and ')}`);
    }
    if (!parts.length) return { total: 0, totalRelation: 'eq', hits: [], facets: { kind: [] }, didYouMean: null, last: null };
    const offset = Number((q.after?.[0] as number | undefined) ?? 0);
    const order = q.sort === 'newest' ? 'created_at desc, id' : q.sort === 'oldest' ? 'created_at asc, id' : 'rank desc, created_at desc, id';
    const rows = await this.em()
      .getConnection()
      .execute<Row[]>(
        `with hits (kind, id, title, conversation_id, role, model, folder, tags, created_at, rank, headline) as (${parts.join(' union all ')})
         select *, count(*) over () as total from hits order by ${order} limit ${p(q.limit + 1)} offset ${p(offset)}`,
        params,
      );
    const kinds = await this.kindCounts(parts, params);
    const page = rows.slice(0, q.limit);
    return {
      total: Number(rows[0]?.total ?? kinds.reduce((n, k) => n + k.count, 0)),
      totalRelation: 'eq',
      hits: page.map((r) => this.toHit(r, q)),
      facets: { kind: kinds },
      didYouMean: null,
      last: rows.length > q.limit ? [offset + q.limit] : null,
    };
  }

  private async kindCounts(parts: string[], params: unknown[]) {
    // The limit/offset bindings are the last two: the count query uses the rest.
    const rows = await this.em()
      .getConnection()
      .execute<Array<{ kind: string; n: string }>>(
        `with hits (kind, id, title, conversation_id, role, model, folder, tags, created_at, rank, headline) as (${parts.join(' union all ')})
         select kind, count(*) as n from hits group by kind order by n desc`,
        params.slice(0, -2),
      );
    return rows.map((r) => ({ value: r.kind, count: Number(r.n) }));
  }

  private toHit(r: Row, q: SearchQuery): SearchHit {
    return {
      kind: r.kind,
      id: r.id,
      score: q.sort === 'relevance' ? Number(r.rank) : null,
      title: r.title,
      conversationId: r.conversation_id,
      role: r.role,
      model: r.model,
      folder: r.folder,
      tags: r.tags ?? [],
      createdAt: new Date(r.created_at).toISOString(),
      highlights: r.headline && r.headline.includes(MARK_START) ? [parseHighlight(r.kind === 'message' ? 'content' : 'title', r.headline)] : [],
    };
  }

  /** Title prefixes of the caller's own conversations and workflows. */
  async suggest(scope: SearchScope, prefix: string, limit: number): Promise<Suggestion[]> {
    const like = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.em()
      .getConnection()
      .execute<Array<{ text: string; kind: SearchKind; id: string }>>(
        `(select c.title as text, 'conversation' as kind, c.id from conversations c where c.owner_id = ? and c.deleted_at is null and c.title ilike ? and c.title <> 'New conversation')
         union all (select w.name, 'workflow', w.id from workflow_definitions w where w.owner_id = ? and w.deleted_at is null and w.name ilike ?)
         order by 1 limit ?`,
        [scope.userId, like, scope.userId, like, limit],
      );
    return rows;
  }
}
