import { Migration } from '@mikro-orm/migrations';

export class Migration20261126071000 extends Migration {

  // GDPR: exports, erasures, usage kept under a pseudonym; audit hash v2 columns (old rows stay v1 and verify as before).
  override async up(): Promise<void> {
    this.addSql(`create table "retained_usage_records" ("id" uuid not null, "subject_pseudonym" uuid not null, "kind" varchar(40) not null, "model" varchar(200) not null, "provider" varchar(100) not null, "input_tokens" int not null, "output_tokens" int not null, "cost_usd" numeric(18,8) not null, "occurred_at" timestamptz not null, constraint "retained_usage_records_pkey" primary key ("id"));`);

    this.addSql(`create table "user_erasures" ("subject_pseudonym" uuid not null, "requested_by" uuid not null, "status" text check ("status" in ('running', 'completed', 'failed')) not null default 'running', "report" jsonb null, "error" text null, "started_at" timestamptz not null, "completed_at" timestamptz null, constraint "user_erasures_pkey" primary key ("subject_pseudonym"));`);

    this.addSql(`create table "user_exports" ("id" uuid not null, "user_id" uuid not null, "status" text check ("status" in ('running', 'completed', 'failed')) not null default 'running', "areas_done" int not null default 0, "items" int not null default 0, "size_bytes" int not null default 0, "error" text null, "created_at" timestamptz not null, "completed_at" timestamptz null, "expires_at" timestamptz not null, constraint "user_exports_pkey" primary key ("id"));`);
    this.addSql(`create index "user_exports_expires_at_index" on "user_exports" ("expires_at");`);
    this.addSql(`create index "user_exports_user_id_created_at_index" on "user_exports" ("user_id", "created_at");`);

    this.addSql(`create table "user_export_chunks" ("export_id" uuid not null, "chunk_no" int not null, "data" bytea not null, constraint "user_export_chunks_pkey" primary key ("export_id", "chunk_no"));`);

    this.addSql(`create table "user_export_pages" ("export_id" uuid not null, "area" varchar(40) not null, "page_no" int not null, "content" text not null, constraint "user_export_pages_pkey" primary key ("export_id", "area", "page_no"));`);

    this.addSql(`alter table "user_exports" add constraint "user_exports_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "user_export_chunks" add constraint "user_export_chunks_export_id_foreign" foreign key ("export_id") references "user_exports" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "user_export_pages" add constraint "user_export_pages_export_id_foreign" foreign key ("export_id") references "user_exports" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "audit_events" add column "pii_digest" varchar(64) null, add column "pii_nonce" varchar(32) null, add column "redaction_seal" varchar(64) null, add column "pii_erased_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "user_export_chunks" drop constraint "user_export_chunks_export_id_foreign";`);

    this.addSql(`alter table "user_export_pages" drop constraint "user_export_pages_export_id_foreign";`);

    this.addSql(`drop table if exists "retained_usage_records" cascade;`);

    this.addSql(`drop table if exists "user_erasures" cascade;`);

    this.addSql(`drop table if exists "user_exports" cascade;`);

    this.addSql(`drop table if exists "user_export_chunks" cascade;`);

    this.addSql(`drop table if exists "user_export_pages" cascade;`);

    this.addSql(`alter table "audit_events" drop column "pii_digest", drop column "pii_nonce", drop column "redaction_seal", drop column "pii_erased_at";`);
  }

}
