import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../config/app-config';
import { mikroOrmConfig } from './mikro-orm.config';

/**
 * `node dist/shared/persistence/migrate.cli.js`         apply pending migrations
 * `node dist/shared/persistence/migrate.cli.js create`  write a new migration (TypeScript) from the entity diff
 */
async function main() {
  const env = process.env;
  const base = mikroOrmConfig({ DATABASE_URL: env.DATABASE_URL ?? loadConfig().DATABASE_URL, DATABASE_POOL_MAX: 2 });
  const create = process.argv[2] === 'create';
  const sourceDir = join(__dirname, '../../../shared/persistence/migrations');
  const orm = await MikroORM.init({
    ...base,
    migrations: { ...base.migrations, ...(create ? { path: sourceDir, emit: 'ts' as const } : {}) },
  });
  try {
    const migrator = orm.getMigrator();
    if (create) {
      const initial = process.argv[3] === '--initial';
      const result = initial ? await migrator.createInitialMigration(sourceDir) : await migrator.createMigration(sourceDir);
      console.log(result.fileName ? `created ${result.fileName}` : 'no changes');
      return;
    }
    const done = await migrator.up();
    console.log(JSON.stringify({ level: 30, msg: 'migrations applied', applied: done.map((m) => m.name) }));
  } finally {
    await orm.close(true);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
