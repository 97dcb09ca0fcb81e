import { Migration } from '@mikro-orm/migrations';

export class Migration20261126052539 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "usage_records" ("id" uuid not null, "source_id" varchar(100) not null, "kind" varchar(40) not null, "user_id" uuid not null, "conversation_id" uuid null, "model" varchar(200) not null, "provider" varchar(100) not null, "input_tokens" int not null, "output_tokens" int not null, "cost_usd" numeric(18,8) not null, "created_at" timestamptz not null, constraint "usage_records_pkey" primary key ("id"));`);
    this.addSql(`alter table "usage_records" add constraint "usage_records_source_id_unique" unique ("source_id");`);
    this.addSql(`create index "usage_records_user_id_created_at_index" on "usage_records" ("user_id", "created_at");`);

    this.addSql(`create table "conversations" ("id" uuid not null, "owner_id" uuid not null, "title" varchar(300) not null default 'New conversation', "folder" varchar(200) null, "tags" jsonb not null, "bookmarked" boolean not null default false, "summary" text null, "model" varchar(200) null, "system_prompt" text null, "forked_from_id" uuid null, "forked_at_message_id" uuid null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, constraint "conversations_pkey" primary key ("id"));`);
    this.addSql(`create index "conversations_owner_id_created_at_index" on "conversations" ("owner_id", "created_at");`);

    this.addSql(`create table "messages" ("id" uuid not null, "conversation_id" uuid not null, "author_id" uuid null, "role" text check ("role" in ('system', 'user', 'assistant', 'tool')) not null, "content" text not null, "parent_id" uuid null, "turn_id" uuid null, "model" varchar(200) null, "pinned" boolean not null default false, "version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, constraint "messages_pkey" primary key ("id"));`);
    this.addSql(`create index "messages_parent_id_index" on "messages" ("parent_id");`);
    this.addSql(`create index "messages_conversation_id_created_at_index" on "messages" ("conversation_id", "created_at");`);

    this.addSql(`create table "message_versions" ("id" uuid not null, "message_id" uuid not null, "version" int not null, "content" text not null, "edited_at" timestamptz not null, constraint "message_versions_pkey" primary key ("id"));`);
    this.addSql(`create index "message_versions_message_id_index" on "message_versions" ("message_id");`);

    this.addSql(`create table "message_reactions" ("id" uuid not null, "message_id" uuid not null, "user_id" uuid not null, "emoji" varchar(32) not null, "created_at" timestamptz not null, constraint "message_reactions_pkey" primary key ("id"));`);
    this.addSql(`create index "message_reactions_message_id_index" on "message_reactions" ("message_id");`);
    this.addSql(`alter table "message_reactions" add constraint "message_reactions_message_id_user_id_emoji_unique" unique ("message_id", "user_id", "emoji");`);

    this.addSql(`create table "conversation_shares" ("id" uuid not null, "conversation_id" uuid not null, "token_hash" varchar(64) not null, "shared_until" timestamptz not null, "created_at" timestamptz not null, "revoked_at" timestamptz null, constraint "conversation_shares_pkey" primary key ("id"));`);
    this.addSql(`create index "conversation_shares_conversation_id_index" on "conversation_shares" ("conversation_id");`);
    this.addSql(`alter table "conversation_shares" add constraint "conversation_shares_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "chat_turns" ("id" uuid not null, "user_id" uuid not null, "conversation_id" uuid not null, "user_message_id" uuid not null, "assistant_message_id" uuid null, "model" varchar(200) not null, "status" text check ("status" in ('running', 'completed', 'failed', 'cancelled')) not null default 'running', "idempotency_key" varchar(200) null, "error" text null, "created_at" timestamptz not null, "completed_at" timestamptz null, constraint "chat_turns_pkey" primary key ("id"));`);
    this.addSql(`create index "chat_turns_user_id_index" on "chat_turns" ("user_id");`);
    this.addSql(`create index "chat_turns_conversation_id_index" on "chat_turns" ("conversation_id");`);
    this.addSql(`alter table "chat_turns" add constraint "chat_turns_user_id_idempotency_key_unique" unique ("user_id", "idempotency_key");`);

    this.addSql(`alter table "usage_records" add constraint "usage_records_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "conversations" add constraint "conversations_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "messages" add constraint "messages_conversation_id_foreign" foreign key ("conversation_id") references "conversations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "messages" add constraint "messages_author_id_foreign" foreign key ("author_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "message_versions" add constraint "message_versions_message_id_foreign" foreign key ("message_id") references "messages" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "message_reactions" add constraint "message_reactions_message_id_foreign" foreign key ("message_id") references "messages" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "message_reactions" add constraint "message_reactions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "conversation_shares" add constraint "conversation_shares_conversation_id_foreign" foreign key ("conversation_id") references "conversations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "chat_turns" add constraint "chat_turns_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "chat_turns" add constraint "chat_turns_conversation_id_foreign" foreign key ("conversation_id") references "conversations" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "messages" drop constraint "messages_conversation_id_foreign";`);

    this.addSql(`alter table "conversation_shares" drop constraint "conversation_shares_conversation_id_foreign";`);

    this.addSql(`alter table "chat_turns" drop constraint "chat_turns_conversation_id_foreign";`);

    this.addSql(`alter table "message_versions" drop constraint "message_versions_message_id_foreign";`);

    this.addSql(`alter table "message_reactions" drop constraint "message_reactions_message_id_foreign";`);

    this.addSql(`drop table if exists "usage_records" cascade;`);

    this.addSql(`drop table if exists "conversations" cascade;`);

    this.addSql(`drop table if exists "messages" cascade;`);

    this.addSql(`drop table if exists "message_versions" cascade;`);

    this.addSql(`drop table if exists "message_reactions" cascade;`);

    this.addSql(`drop table if exists "conversation_shares" cascade;`);

    this.addSql(`drop table if exists "chat_turns" cascade;`);
  }

}
