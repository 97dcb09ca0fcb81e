import { Migration } from '@mikro-orm/migrations';

export class Migration20261126062110 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "policies" ("id" uuid not null, "name" varchar(100) not null, "description" varchar(500) not null default '', "action" varchar(32) not null, "enabled" boolean not null default true, "default_deny" boolean not null default false, "rules" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "policies_pkey" primary key ("id"));`);
    this.addSql(`alter table "policies" add constraint "policies_name_unique" unique ("name");`);

    this.addSql(`create table "roles" ("id" uuid not null, "name" varchar(64) not null, "description" varchar(500) not null default '', "permissions" text[] not null, "built_in" boolean not null default false, "customized" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "roles_pkey" primary key ("id"));`);
    this.addSql(`alter table "roles" add constraint "roles_name_unique" unique ("name");`);

    this.addSql(`create table "system_config_versions" ("version" int not null, "settings" jsonb not null, "changed_by" uuid null, "created_at" timestamptz not null, constraint "system_config_versions_pkey" primary key ("version"));`);

    this.addSql(`create table "teams" ("id" uuid not null, "name" varchar(100) not null, "description" varchar(500) not null default '', "role" varchar(64) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "teams_pkey" primary key ("id"));`);
    this.addSql(`alter table "teams" add constraint "teams_name_unique" unique ("name");`);
    this.addSql(`create index "teams_role_index" on "teams" ("role");`);

    this.addSql(`create table "team_members" ("id" uuid not null, "team_id" uuid not null, "user_id" uuid not null, "team_role" varchar(16) not null default 'member', "created_at" timestamptz not null, constraint "team_members_pkey" primary key ("id"));`);
    this.addSql(`create index "team_members_user_id_index" on "team_members" ("user_id");`);
    this.addSql(`alter table "team_members" add constraint "team_members_team_id_user_id_unique" unique ("team_id", "user_id");`);

    this.addSql(`alter table "team_members" add constraint "team_members_team_id_foreign" foreign key ("team_id") references "teams" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "team_members" add constraint "team_members_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    // The built-in roles. Until an admin edits one, its permissions follow the code's defaults
    // (shared/domain/roles.ts), so the stored list starts empty; admin always holds every permission.
    this.addSql(`insert into "roles" ("id", "name", "description", "permissions", "built_in", "customized", "created_at", "updated_at") values
      (gen_random_uuid(), 'admin', 'Everything, including administration', '{}', true, false, now(), now()),
      (gen_random_uuid(), 'member', 'Chat, tools, conversations and workflows of their own', '{}', true, false, now(), now()),
      (gen_random_uuid(), 'viewer', 'Read-only access to their own data', '{}', true, false, now(), now());`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "team_members" drop constraint "team_members_team_id_foreign";`);

    this.addSql(`drop table if exists "policies" cascade;`);

    this.addSql(`drop table if exists "roles" cascade;`);

    this.addSql(`drop table if exists "system_config_versions" cascade;`);

    this.addSql(`drop table if exists "teams" cascade;`);

    this.addSql(`drop table if exists "team_members" cascade;`);
  }

}
