import { Migration } from '@mikro-orm/migrations';

/** Files: uploads (bytes in the FileStorage), their text chunks, share links and conversation attachments. */
export class Migration20261202110500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "files" ("id" uuid not null, "owner_id" uuid not null, "name" varchar(255) not null, "mime_type" varchar(127) not null, "declared_type" varchar(127) null, "size_bytes" bigint not null, "sha256" varchar(64) not null, "storage_key" varchar(200) not null, "status" text check ("status" in ('pending', 'processing', 'ready', 'failed')) not null default 'pending', "status_detail" text null, "text_chars" int null, "chunk_count" int not null default 0, "page_count" int null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "processed_at" timestamptz null, constraint "files_pkey" primary key ("id"));`);
    this.addSql(`create index "files_owner_id_created_at_index" on "files" ("owner_id", "created_at");`);
    this.addSql(`create index "files_owner_id_mime_type_index" on "files" ("owner_id", "mime_type");`);

    this.addSql(`create table "file_chunks" ("id" uuid not null, "file_id" uuid not null, "ordinal" int not null, "text" text not null, "start_offset" int not null, "end_offset" int not null, constraint "file_chunks_pkey" primary key ("id"));`);
    this.addSql(`alter table "file_chunks" add constraint "file_chunks_file_id_ordinal_unique" unique ("file_id", "ordinal");`);

    this.addSql(`create table "file_shares" ("id" uuid not null, "file_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, "revoked_at" timestamptz null, constraint "file_shares_pkey" primary key ("id"));`);
    this.addSql(`create index "file_shares_file_id_index" on "file_shares" ("file_id");`);
    this.addSql(`alter table "file_shares" add constraint "file_shares_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "conversation_files" ("id" uuid not null, "conversation_id" uuid not null, "file_id" uuid not null, "created_at" timestamptz not null, constraint "conversation_files_pkey" primary key ("id"));`);
    this.addSql(`create index "conversation_files_file_id_index" on "conversation_files" ("file_id");`);
    this.addSql(`alter table "conversation_files" add constraint "conversation_files_conversation_id_file_id_unique" unique ("conversation_id", "file_id");`);

    this.addSql(`alter table "files" add constraint "files_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "file_chunks" add constraint "file_chunks_file_id_foreign" foreign key ("file_id") references "files" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "file_shares" add constraint "file_shares_file_id_foreign" foreign key ("file_id") references "files" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conversation_files" add constraint "conversation_files_conversation_id_foreign" foreign key ("conversation_id") references "conversations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conversation_files" add constraint "conversation_files_file_id_foreign" foreign key ("file_id") references "files" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "conversation_files" cascade;`);
    this.addSql(`drop table if exists "file_shares" cascade;`);
    this.addSql(`drop table if exists "file_chunks" cascade;`);
    this.addSql(`drop table if exists "files" cascade;`);
  }

}
