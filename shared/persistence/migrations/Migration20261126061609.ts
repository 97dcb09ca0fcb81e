import { Migration } from '@mikro-orm/migrations';

export class Migration20261126061609 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "budgets" ("id" uuid not null, "scope_type" text check ("scope_type" in ('user', 'api_key', 'team')) not null, "scope_id" uuid not null, "window" text check ("window" in ('daily', 'monthly')) not null, "limit_usd" numeric(18,8) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "budgets_pkey" primary key ("id"));`);
    this.addSql(`alter table "budgets" add constraint "budgets_scope_type_scope_id_window_unique" unique ("scope_type", "scope_id", "window");`);

    this.addSql(`create table "budget_alerts" ("budget_id" uuid not null, "period_start" timestamptz not null, "threshold" smallint not null, "created_at" timestamptz not null, constraint "budget_alerts_pkey" primary key ("budget_id", "period_start", "threshold"));`);

    this.addSql(`create table "budget_periods" ("budget_id" uuid not null, "period_start" timestamptz not null, "spent_usd" numeric(18,8) not null default 0, "reserved_usd" numeric(18,8) not null default 0, constraint "budget_periods_pkey" primary key ("budget_id", "period_start"));`);

    this.addSql(`create table "budget_reservations" ("id" uuid not null, "source_id" varchar(100) not null, "budget_id" uuid not null, "period_start" timestamptz not null, "amount_usd" numeric(18,8) not null, "actual_usd" numeric(18,8) null, "status" text check ("status" in ('reserved', 'committed', 'refunded')) not null default 'reserved', "created_at" timestamptz not null, "settled_at" timestamptz null, constraint "budget_reservations_pkey" primary key ("id"));`);
    this.addSql(`create index "budget_reservations_status_created_at_index" on "budget_reservations" ("status", "created_at");`);
    this.addSql(`alter table "budget_reservations" add constraint "budget_reservations_source_id_budget_id_unique" unique ("source_id", "budget_id");`);

    this.addSql(`create table "credit_grants" ("id" uuid not null, "user_id" uuid not null, "amount_usd" numeric(18,8) not null, "consumed_usd" numeric(18,8) not null default 0, "expires_at" timestamptz null, "reason" varchar(500) null, "granted_by" uuid null, "created_at" timestamptz not null, constraint "credit_grants_pkey" primary key ("id"));`);
    this.addSql(`create index "credit_grants_user_id_expires_at_index" on "credit_grants" ("user_id", "expires_at");`);

    this.addSql(`create table "credit_consumptions" ("id" uuid not null, "source_id" varchar(100) not null, "grant_id" uuid not null, "amount_usd" numeric(18,8) not null, "created_at" timestamptz not null, constraint "credit_consumptions_pkey" primary key ("id"));`);
    this.addSql(`alter table "credit_consumptions" add constraint "credit_consumptions_source_id_grant_id_unique" unique ("source_id", "grant_id");`);

    this.addSql(`alter table "budget_alerts" add constraint "budget_alerts_budget_id_foreign" foreign key ("budget_id") references "budgets" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "budget_periods" add constraint "budget_periods_budget_id_foreign" foreign key ("budget_id") references "budgets" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "budget_reservations" add constraint "budget_reservations_budget_id_foreign" foreign key ("budget_id") references "budgets" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "credit_grants" add constraint "credit_grants_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "credit_consumptions" add constraint "credit_consumptions_grant_id_foreign" foreign key ("grant_id") references "credit_grants" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "budget_alerts" drop constraint "budget_alerts_budget_id_foreign";`);

    this.addSql(`alter table "budget_periods" drop constraint "budget_periods_budget_id_foreign";`);

    this.addSql(`alter table "budget_reservations" drop constraint "budget_reservations_budget_id_foreign";`);

    this.addSql(`alter table "credit_consumptions" drop constraint "credit_consumptions_grant_id_foreign";`);

    this.addSql(`drop table if exists "budgets" cascade;`);

    this.addSql(`drop table if exists "budget_alerts" cascade;`);

    this.addSql(`drop table if exists "budget_periods" cascade;`);

    this.addSql(`drop table if exists "budget_reservations" cascade;`);

    this.addSql(`drop table if exists "credit_grants" cascade;`);

    this.addSql(`drop table if exists "credit_consumptions" cascade;`);
  }

}
