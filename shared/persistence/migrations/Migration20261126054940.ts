import { Migration } from '@mikro-orm/migrations';

export class Migration20261126054940 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "read_receipts" ("user_id" uuid not null, "conversation_id" uuid not null, "message_id" uuid not null, "read_at" timestamptz not null, constraint "read_receipts_pkey" primary key ("user_id", "conversation_id"));`);

    this.addSql(`alter table "read_receipts" add constraint "read_receipts_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "read_receipts" add constraint "read_receipts_conversation_id_foreign" foreign key ("conversation_id") references "conversations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "read_receipts" add constraint "read_receipts_message_id_foreign" foreign key ("message_id") references "messages" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "read_receipts" cascade;`);
  }

}
