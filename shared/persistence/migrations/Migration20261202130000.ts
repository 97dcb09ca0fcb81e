import { Migration } from '@mikro-orm/migrations';

/** An assistant reply grounded in attached files keeps the excerpts it was given (file id, chunk, offsets). */
export class Migration20261202130000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "messages" add column "citations" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "messages" drop column "citations";`);
  }
}
