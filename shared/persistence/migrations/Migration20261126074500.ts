import { Migration } from '@mikro-orm/migrations';

export class Migration20261126074500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "tool_versions" add column "workflow" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tool_versions" drop column "workflow";`);
  }

}
