import { Migration } from '@mikro-orm/migrations';

/**
 * Files join search (kind `file`): the same row version and outbox triggers as the other indexed tables
 * (functions of Migration20261202100100). Chunks are written before the file is marked ready, so the
 * file's own update carries its text to the index.
 */
export class Migration20261202150000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "files" add column "search_version" bigint not null default nextval('search_version_seq');`);
    this.addSql(`create trigger "files_search_version" before update on "files" for each row execute function search_bump_version();`);
    this.addSql(`create trigger "files_search_outbox" after insert or update or delete on "files" for each row execute function search_outbox_enqueue('file');`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "files_search_outbox" on "files";`);
    this.addSql(`drop trigger if exists "files_search_version" on "files";`);
    this.addSql(`alter table "files" drop column if exists "search_version";`);
  }
}
