import { Migration } from '@mikro-orm/migrations';

export class Migration20261126062901 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "billing_customers" ("user_id" uuid not null, "stripe_customer_id" varchar(100) not null, "created_at" timestamptz not null, constraint "billing_customers_pkey" primary key ("user_id"));`);
    this.addSql(`alter table "billing_customers" add constraint "billing_customers_stripe_customer_id_unique" unique ("stripe_customer_id");`);

    this.addSql(`create table "billing_objects" ("id" varchar(100) not null, "kind" varchar(32) not null, "stripe_customer_id" varchar(100) not null, "status" varchar(40) not null, "data" jsonb not null, "event_created" bigint null, "updated_at" timestamptz not null, constraint "billing_objects_pkey" primary key ("id"));`);

    this.addSql(`create table "stripe_processed_events" ("id" varchar(100) not null, "type" varchar(100) not null, "processed_at" timestamptz not null, constraint "stripe_processed_events_pkey" primary key ("id"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "billing_customers" cascade;`);

    this.addSql(`drop table if exists "billing_objects" cascade;`);

    this.addSql(`drop table if exists "stripe_processed_events" cascade;`);
  }

}
