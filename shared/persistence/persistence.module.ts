import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AuthChangeFeed, NotifyingConnection } from './auth-change-feed';
import { ENTITIES } from './entities';
import { mikroOrmConfig } from './mikro-orm.config';

@Module({ providers: [AuthChangeFeed], exports: [AuthChangeFeed] })
export class AuthChangesModule {}

/**
 * MikroORM with a fresh entity-manager context per request (RequestContext middleware). Every pool
 * connection listens for auth changes, so the process's own writes to users and sessions reach its
 * caches before the write returns.
 */
@Global()
@Module({
  imports: [
    MikroOrmModule.forRootAsync({
      imports: [AuthChangesModule],
      inject: [AppConfig, AuthChangeFeed],
      useFactory: (config: AppConfig, feed: AuthChangeFeed) => {
        const base = mikroOrmConfig(config);
        return {
          ...base,
          registerRequestContext: true,
          pool: {
            ...base.pool,
            afterCreate: (connection: NotifyingConnection, done: (err: Error | null, connection: NotifyingConnection) => void) => {
              feed.listenOn(connection).then(
                () => done(null, connection),
                (err: Error) => done(err, connection),
              );
            },
          },
        };
      },
      driver: PostgreSqlDriver,
    }),
    MikroOrmModule.forFeature(ENTITIES),
    AuthChangesModule,
  ],
  exports: [MikroOrmModule, AuthChangesModule],
})
export class PersistenceModule {}
