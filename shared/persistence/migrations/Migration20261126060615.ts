import { Migration } from '@mikro-orm/migrations';

export class Migration20261126060615 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "workflow_definitions" ("id" uuid not null, "owner_id" uuid not null, "name" varchar(200) not null, "description" text not null default '', "current_version" int not null default 1, "webhook_secret" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, constraint "workflow_definitions_pkey" primary key ("id"));`);
    this.addSql(`create index "workflow_definitions_owner_id_created_at_id_index" on "workflow_definitions" ("owner_id", "created_at", "id");`);

    this.addSql(`create table "workflow_definition_versions" ("id" uuid not null, "definition_id" uuid not null, "version" int not null, "format" varchar(8) not null, "source" text not null, "spec" jsonb not null, "created_at" timestamptz not null, constraint "workflow_definition_versions_pkey" primary key ("id"));`);
    this.addSql(`alter table "workflow_definition_versions" add constraint "workflow_definition_versions_definition_id_version_unique" unique ("definition_id", "version");`);

    this.addSql(`alter table "workflow_definitions" add constraint "workflow_definitions_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "workflow_definition_versions" add constraint "workflow_definition_versions_definition_id_foreign" foreign key ("definition_id") references "workflow_definitions" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "workflow_definition_versions" drop constraint "workflow_definition_versions_definition_id_foreign";`);

    this.addSql(`drop table if exists "workflow_definitions" cascade;`);

    this.addSql(`drop table if exists "workflow_definition_versions" cascade;`);
  }

}
