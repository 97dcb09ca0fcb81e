import { Logger, Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../../shared/config/app-config';
import { CachedEmbedder } from '../../shared/embeddings/cached-embedder';
import type { Embedder } from '../../shared/embeddings/embedder';
import { createEmbedder } from '../../shared/embeddings/embedder.factory';
import { REDIS } from '../../shared/redis/redis.module';
import { EmbeddingsController } from './embeddings.controller';
import { EmbeddingsService } from './embeddings.service';
import { EMBEDDER } from './embeddings.tokens';

const logger = new Logger('Embeddings');

/** The configured embedder behind the Redis cache (unless EMBEDDING_CACHE_TTL_SECONDS=0). */
function embedderOf(config: AppConfig, redis: Redis): Embedder {
  const embedder = createEmbedder(config);
  if (config.EMBEDDING_CACHE_TTL_SECONDS === 0) return embedder;
  return new CachedEmbedder(embedder, redis, {
    ttlSeconds: config.EMBEDDING_CACHE_TTL_SECONDS,
    onError: (err) => logger.warn({ err }, 'embedding cache unavailable; embedding without it'),
  });
}

/** POST /embeddings, and the process's Embedder for other API modules (search, files) to inject by EMBEDDER. */
@Module({
  controllers: [EmbeddingsController],
  providers: [{ provide: EMBEDDER, inject: [AppConfig, REDIS], useFactory: embedderOf }, EmbeddingsService],
  exports: [EMBEDDER],
})
export class EmbeddingsModule {}
