import { Module } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import { createEmbedder } from '../../shared/embeddings/embedder.factory';
import { EmbeddingsController } from './embeddings.controller';
import { EmbeddingsService } from './embeddings.service';
import { EMBEDDER } from './embeddings.tokens';

/** POST /embeddings, and the process's Embedder for other API modules (search, files) to inject by EMBEDDER. */
@Module({
  controllers: [EmbeddingsController],
  providers: [{ provide: EMBEDDER, inject: [AppConfig], useFactory: (config: AppConfig) => createEmbedder(config) }, EmbeddingsService],
  exports: [EMBEDDER],
})
export class EmbeddingsModule {}
