import { Migration } from '@mikro-orm/migrations';

export class Migration20261126070500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "billing_periods" ("stripe_customer_id" varchar(100) not null, "period_start" timestamptz not null, "period_end" timestamptz not null, "user_id" uuid null, "amount_usd" numeric(18,8) not null, "records" int not null, "status" varchar(16) not null, "stripe_invoice_item_id" varchar(100) null, "idempotency_key" varchar(200) not null, "reported_at" timestamptz null, "created_at" timestamptz not null, constraint "billing_periods_pkey" primary key ("stripe_customer_id", "period_start"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "billing_periods" cascade;`);
  }

}
