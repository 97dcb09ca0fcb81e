import { Migration } from '@mikro-orm/migrations';

/**
 * Every change to a user or a session row is announced on the `auth_changes` channel, whoever writes
 * it (API, workers, a psql session): API processes cache session validity and the user row, and drop
 * an entry on its notification. A process's own writes arrive on its own (listening) connection
 * before the write's commit returns, so its next request already sees the change.
 */
export class Migration20261202140500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create or replace function "notify_auth_change"() returns trigger language plpgsql as $$
begin
  perform pg_notify('auth_changes', (case when TG_TABLE_NAME = 'sessions' then 's:' else 'u:' end) || old.id::text);
  return null;
end $$;`);
    this.addSql(`create trigger "sessions_auth_change" after update or delete on "sessions" for each row execute function "notify_auth_change"();`);
    this.addSql(`create trigger "users_auth_change" after update or delete on "users" for each row execute function "notify_auth_change"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "users_auth_change" on "users";`);
    this.addSql(`drop trigger if exists "sessions_auth_change" on "sessions";`);
    this.addSql(`drop function if exists "notify_auth_change"();`);
  }

}
