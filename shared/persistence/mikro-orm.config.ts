import { join } from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config/app-config';
import { ENTITIES } from './entities';

/** One place that configures MikroORM, for the API, the workers and the migration CLI. */
export function mikroOrmConfig(config: Pick<AppConfig, 'DATABASE_URL' | 'DATABASE_POOL_MAX'>) {
  return defineConfig({
    driver: PostgreSqlDriver,
    clientUrl: config.DATABASE_URL,
    entities: ENTITIES,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    pool: { min: 0, max: config.DATABASE_POOL_MAX },
    extensions: [Migrator],
    migrations: {
      tableName: 'mikro_orm_migrations',
      // Compiled migrations next to this file in dist/; `create` writes TypeScript into the source tree.
      path: join(__dirname, 'migrations'),
      glob: '!(*.d).{js,ts}',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
    forceUtcTimezone: true,
    debug: false,
    allowGlobalContext: false,
  });
}
