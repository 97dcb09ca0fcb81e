import { Migration } from '@mikro-orm/migrations';

/**
 * Search indexing: a transactional outbox filled by triggers (so every write path — ORM services, raw
 * inserts in chat-turn persistence, GDPR erasure's bulk deletes — is caught in the writer's own transaction),
 * a monotonic `search_version` on each indexed row (the Elasticsearch external version: an old state never
 * overwrites a newer one), the search query log, and the Postgres full-text indexes of SEARCH_ENGINE=postgres.
 */
const INDEXED: Array<[table: string, kind: string]> = [
  ['messages', 'message'],
  ['conversations', 'conversation'],
  ['tools', 'tool'],
  ['workflow_definitions', 'workflow'],
  ['users', 'user'],
];

export class Migration20261202100100 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create sequence if not exists search_version_seq;`);
    this.addSql(`create table "search_outbox" (
      "id" bigserial primary key,
      "kind" varchar(32) not null,
      "entity_id" uuid not null,
      "version" bigint not null,
      "created_at" timestamptz not null default clock_timestamp(),
      "indexed_at" timestamptz null,
      "embedded_at" timestamptz null);`);
    this.addSql(`create index "search_outbox_pending_idx" on "search_outbox" ("id") where "indexed_at" is null;`);
    this.addSql(`create index "search_outbox_indexed_at_idx" on "search_outbox" ("indexed_at") where "indexed_at" is not null;`);
    // Vectors are written after full-text (a backlog of embeddings never delays full-text indexing).
    this.addSql(`create index "search_outbox_unembedded_idx" on "search_outbox" ("id") where "indexed_at" is not null and "embedded_at" is null;`);
    // Every change bumps the row's version from one sequence, so versions order all changes of all rows.
    this.addSql(`create function search_bump_version() returns trigger language plpgsql as $$
      begin new.search_version := nextval('search_version_seq'); return new; end $$;`);
    this.addSql(`create function search_outbox_enqueue() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          insert into search_outbox (kind, entity_id, version) values (tg_argv[0], old.id, nextval('search_version_seq'));
        else
          insert into search_outbox (kind, entity_id, version) values (tg_argv[0], new.id, new.search_version);
        end if;
        perform pg_notify('search_outbox', '');
        return null;
      end $$;`);
    for (const [table, kind] of INDEXED) {
      this.addSql(`alter table "${table}" add column "search_version" bigint not null default nextval('search_version_seq');`);
      this.addSql(`create trigger "${table}_search_version" before update on "${table}" for each row execute function search_bump_version();`);
      this.addSql(`create trigger "${table}_search_outbox" after insert or update or delete on "${table}" for each row execute function search_outbox_enqueue('${kind}');`);
    }
    // A share link created or revoked changes the conversation's `shared` field: touch the conversation.
    this.addSql(`create function search_share_touch() returns trigger language plpgsql as $$
      begin
        update conversations set search_version = search_version where id = coalesce(new.conversation_id, old.conversation_id);
        return null;
      end $$;`);
    this.addSql(`create trigger "conversation_shares_search" after insert or update or delete on "conversation_shares" for each row execute function search_share_touch();`);

    this.addSql(`create table "search_queries" (
      "id" bigserial primary key,
      "user_id" uuid not null,
      "scope" varchar(32) not null,
      "query_norm" varchar(200) not null,
      "result_count" integer not null,
      "took_ms" integer not null,
      "created_at" timestamptz not null default now());`);
    this.addSql(`create index "search_queries_created_idx" on "search_queries" ("created_at");`);
    this.addSql(`create index "search_queries_user_idx" on "search_queries" ("user_id", "created_at");`);

    // SEARCH_ENGINE=postgres: expression GIN indexes the fallback's websearch_to_tsquery queries use.
    this.addSql(`create index "messages_fts_idx" on "messages" using gin (to_tsvector('english', "content"));`);
    this.addSql(`create index "conversations_fts_idx" on "conversations" using gin (to_tsvector('english', "title" || ' ' || coalesce("summary", '')));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "conversations_fts_idx";`);
    this.addSql(`drop index if exists "messages_fts_idx";`);
    this.addSql(`drop table if exists "search_queries";`);
    this.addSql(`drop trigger if exists "conversation_shares_search" on "conversation_shares";`);
    this.addSql(`drop function if exists search_share_touch();`);
    for (const [table] of INDEXED) {
      this.addSql(`drop trigger if exists "${table}_search_outbox" on "${table}";`);
      this.addSql(`drop trigger if exists "${table}_search_version" on "${table}";`);
      this.addSql(`alter table "${table}" drop column if exists "search_version";`);
    }
    this.addSql(`drop function if exists search_outbox_enqueue();`);
    this.addSql(`drop function if exists search_bump_version();`);
    this.addSql(`drop table if exists "search_outbox";`);
    this.addSql(`drop sequence if exists search_version_seq;`);
  }
}
