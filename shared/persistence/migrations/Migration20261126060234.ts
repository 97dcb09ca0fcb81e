import { Migration } from '@mikro-orm/migrations';

export class Migration20261126060234 extends Migration {

  override async up(): Promise<void> {

    this.addSql(`create table "notification_preferences" ("user_id" uuid not null, "category" varchar(32) not null, "in_app" boolean not null, "email" boolean not null, "updated_at" timestamptz not null, constraint "notification_preferences_pkey" primary key ("user_id", "category"));`);

    this.addSql(`create table "notifications" ("id" uuid not null, "user_id" uuid not null, "category" varchar(32) not null, "title" varchar(200) not null, "body" text not null, "link" varchar(2048) null, "data" jsonb null, "read_at" timestamptz null, "created_at" timestamptz not null, constraint "notifications_pkey" primary key ("id"));`);
    this.addSql(`create index "notifications_user_id_created_at_id_index" on "notifications" ("user_id", "created_at", "id");`);

    this.addSql(`create table "approvals" ("id" uuid not null, "kind" varchar(64) not null, "title" varchar(200) not null, "details" jsonb null, "requester_id" uuid not null, "decider_roles" text[] not null, "decider_user_ids" text[] not null, "allow_self_approval" boolean not null default false, "status" varchar(16) not null default 'pending', "decision" varchar(16) null, "decided_by" uuid null, "decided_at" timestamptz null, "comment" text null, "expires_at" timestamptz not null, "created_at" timestamptz not null, constraint "approvals_pkey" primary key ("id"));`);
    this.addSql(`create index "approvals_requester_id_created_at_id_index" on "approvals" ("requester_id", "created_at", "id");`);
    this.addSql(`create index "approvals_status_created_at_id_index" on "approvals" ("status", "created_at", "id");`);

    this.addSql(`alter table "notification_preferences" add constraint "notification_preferences_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "notifications" add constraint "notifications_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "approvals" add constraint "approvals_requester_id_foreign" foreign key ("requester_id") references "users" ("id") on update cascade on delete cascade;`);

  }

  override async down(): Promise<void> {

    this.addSql(`drop table if exists "notification_preferences" cascade;`);

    this.addSql(`drop table if exists "notifications" cascade;`);

    this.addSql(`drop table if exists "approvals" cascade;`);

  }

}
