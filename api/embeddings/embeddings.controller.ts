import { Body, Controller, HttpCode, HttpStatus, Post, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { RequirePermissions } from '../common/auth/principal';
import { OpenAiProblemFilter } from '../openai/openai-problem.filter';
import { EmbeddingListDto, EmbeddingRequestDto } from './dto/embedding.dto';
import { EmbeddingsService } from './embeddings.service';

/** OpenAI-compatible embeddings: point an OpenAI SDK at `<host>/api/v3` with an API key (`gk_…`) or an access token. */
@ApiTags('openai')
@ApiBearerAuth()
@RequirePermissions(Permission.ChatUse)
@UseFilters(OpenAiProblemFilter)
@Controller('embeddings')
export class EmbeddingsController {
  constructor(private readonly embeddings: EmbeddingsService) {}

  /**
   * Vectors of the gateway's embedding model (the local ONNX model unless EMBEDDING_PROVIDER=openai), L2-normalised.
   * Too many inputs or too long an input is a 413; `dimensions` or another model is a 400; the model not installed, a 503.
   */
  @Post()
  @HttpCode(HttpStatus.OK)
  create(@Body() dto: EmbeddingRequestDto): Promise<EmbeddingListDto> {
    return this.embeddings.create(dto);
  }
}
