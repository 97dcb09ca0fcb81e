import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ENTITIES } from './entities';
import { mikroOrmConfig } from './mikro-orm.config';

/** MikroORM with a fresh entity-manager context per request (RequestContext middleware). */
@Global()
@Module({
  imports: [
    MikroOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ ...mikroOrmConfig(config), registerRequestContext: true }),
      driver: PostgreSqlDriver,
    }),
    MikroOrmModule.forFeature(ENTITIES),
  ],
  exports: [MikroOrmModule],
})
export class PersistenceModule {}
