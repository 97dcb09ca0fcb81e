import { Migration } from '@mikro-orm/migrations';

export class Migration20261126064500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "messages" add column "tool_calls" jsonb null, add column "tool_call_id" varchar(100) null;`);
    this.addSql(`alter table "tool_runs" add column "workflow_id" varchar(200) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "messages" drop column "tool_calls", drop column "tool_call_id";`);
    this.addSql(`alter table "tool_runs" drop column "workflow_id";`);
  }

}
