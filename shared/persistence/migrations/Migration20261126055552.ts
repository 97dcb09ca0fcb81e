import { Migration } from '@mikro-orm/migrations';

export class Migration20261126055552 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "tools" ("id" uuid not null, "name" varchar(64) not null, "category" varchar(64) not null, "description" text not null, "allowed_roles" jsonb not null, "current_version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, constraint "tools_pkey" primary key ("id"));`);
    this.addSql(`alter table "tools" add constraint "tools_name_unique" unique ("name");`);
    this.addSql(`create index "tools_category_index" on "tools" ("category");`);

    this.addSql(`create table "tool_secrets" ("name" varchar(64) not null, "sealed" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "tool_secrets_pkey" primary key ("name"));`);

    this.addSql(`create table "tool_versions" ("id" uuid not null, "tool_id" uuid not null, "version" int not null, "category" varchar(64) not null, "description" text not null, "kind" varchar(16) not null, "input_schema" jsonb not null, "timeout_ms" int not null, "retry" jsonb not null, "result_max_bytes" int not null, "cache_ttl_seconds" int not null, "cost_per_call_usd" numeric(18,8) not null, "requires_approval" boolean not null, "allowed_roles" jsonb not null, "http" jsonb null, "created_by_id" uuid null, "created_at" timestamptz not null, constraint "tool_versions_pkey" primary key ("id"));`);
    this.addSql(`alter table "tool_versions" add constraint "tool_versions_tool_id_version_unique" unique ("tool_id", "version");`);

    this.addSql(`create table "tool_runs" ("id" uuid not null, "tool_name" varchar(64) not null, "tool_version" int not null, "user_id" uuid not null, "status" varchar(16) not null default 'running', "cached" boolean not null default false, "latency_ms" int null, "cost_usd" numeric(18,8) not null default '0', "result" jsonb null, "error" jsonb null, "created_at" timestamptz not null, "completed_at" timestamptz null, constraint "tool_runs_pkey" primary key ("id"));`);
    this.addSql(`create index "tool_runs_user_id_created_at_index" on "tool_runs" ("user_id", "created_at");`);
    this.addSql(`create index "tool_runs_tool_name_created_at_index" on "tool_runs" ("tool_name", "created_at");`);

    this.addSql(`alter table "tool_versions" add constraint "tool_versions_tool_id_foreign" foreign key ("tool_id") references "tools" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "tool_versions" add constraint "tool_versions_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "tool_runs" add constraint "tool_runs_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tool_versions" drop constraint "tool_versions_tool_id_foreign";`);

    this.addSql(`drop table if exists "tools" cascade;`);

    this.addSql(`drop table if exists "tool_secrets" cascade;`);

    this.addSql(`drop table if exists "tool_versions" cascade;`);

    this.addSql(`drop table if exists "tool_runs" cascade;`);
  }

}
