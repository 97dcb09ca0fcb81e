import { Logger, Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../../shared/config/app-config';
import { createCachedEmbedder } from '../../shared/embeddings/embedder.factory';
import { REDIS } from '../../shared/redis/redis.module';
import { EmbeddingsController } from './embeddings.controller';
import { EmbeddingsService } from './embeddings.service';
import { EMBEDDER } from './embeddings.tokens';

const logger = new Logger('Embeddings');

/** POST /embeddings, and the process's Embedder (cached in Redis) for other API modules (search, files) to inject by EMBEDDER. */
@Module({
  controllers: [EmbeddingsController],
  providers: [
    {
      provide: EMBEDDER,
      inject: [AppConfig, REDIS],
      useFactory: (config: AppConfig, redis: Redis) =>
        createCachedEmbedder(config, redis, (err) => logger.warn({ err }, 'embedding cache unavailable; embedding without it')),
    },
    EmbeddingsService,
  ],
  exports: [EMBEDDER],
})
export class EmbeddingsModule {}
