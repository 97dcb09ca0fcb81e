import { Migration } from '@mikro-orm/migrations';

// Audit trail: the hash-chained events, the chain head (seeded at genesis) and reports.
// "if not exists": another migration generated in parallel may already hold these tables.
export class Migration20261126060300 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table if not exists "audit_chain" ("id" smallint not null default 1, "head_seq" bigint not null default 0, "head_hash" varchar(64) not null, "anchor_seq" bigint not null default 0, "anchor_hash" varchar(64) not null, "anchor_signature" varchar(64) null, "anchored_at" timestamptz null, constraint "audit_chain_pkey" primary key ("id"));`);
    this.addSql(`insert into "audit_chain" ("id", "head_seq", "head_hash", "anchor_seq", "anchor_hash") values (1, 0, repeat('0', 64), 0, repeat('0', 64)) on conflict do nothing;`);

    this.addSql(`create table if not exists "audit_events" ("id" uuid not null, "seq" bigint not null, "occurred_at" timestamptz not null, "actor_type" varchar(16) not null, "actor_user_id" uuid null, "actor_role" varchar(40) null, "actor_email" varchar(320) null, "session_id" uuid null, "api_key_id" uuid null, "action" varchar(300) not null, "resource_type" varchar(100) null, "resource_id" varchar(200) null, "outcome" varchar(40) not null, "status_code" smallint null, "ip" varchar(64) null, "user_agent" varchar(512) null, "request_id" varchar(128) null, "before" jsonb null, "after" jsonb null, "context" jsonb null, "prev_hash" varchar(64) not null, "hash" varchar(64) not null, constraint "audit_events_pkey" primary key ("id"), constraint "audit_events_seq_unique" unique ("seq"));`);
    this.addSql(`create index if not exists "audit_events_action_seq_index" on "audit_events" ("action", "seq");`);
    this.addSql(`create index if not exists "audit_events_resource_type_resource_id_index" on "audit_events" ("resource_type", "resource_id");`);
    this.addSql(`create index if not exists "audit_events_actor_user_id_seq_index" on "audit_events" ("actor_user_id", "seq");`);
    this.addSql(`create index if not exists "audit_events_occurred_at_index" on "audit_events" ("occurred_at");`);

    this.addSql(`create table if not exists "audit_reports" ("id" uuid not null, "requested_by" uuid not null, "format" varchar(8) not null, "filters" jsonb not null, "status" text check ("status" in ('running', 'completed', 'failed')) not null default 'running', "total" int not null default 0, "processed" int not null default 0, "error" text null, "created_at" timestamptz not null, "completed_at" timestamptz null, constraint "audit_reports_pkey" primary key ("id"));`);

    this.addSql(`create table if not exists "audit_report_parts" ("report_id" uuid not null, "part_no" int not null, "content" text not null, constraint "audit_report_parts_pkey" primary key ("report_id", "part_no"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_report_parts" cascade;`);
    this.addSql(`drop table if exists "audit_reports" cascade;`);
    this.addSql(`drop table if exists "audit_events" cascade;`);
    this.addSql(`drop table if exists "audit_chain" cascade;`);
  }

}
