import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../shared/config/app-config';
import type { Embedder } from '../../shared/embeddings/embedder';
import { EmbeddingModelMissingError } from '../../shared/embeddings/local-embedder';
import { ProblemException, Problems } from '../common/problem/problem.exception';
import type { EmbeddingListDto, EmbeddingRequestDto } from './dto/embedding.dto';
import { EMBEDDER } from './embeddings.tokens';

/** Seconds to wait before retrying while the embedding model is not installed (an operator has to act). */
const MODEL_MISSING_RETRY_AFTER_SECONDS = 60;

@Injectable()
export class EmbeddingsService {
  constructor(
    @Inject(EMBEDDER) private readonly embedder: Embedder,
    private readonly config: AppConfig,
  ) {}

  async create(dto: EmbeddingRequestDto): Promise<EmbeddingListDto> {
    if (dto.dimensions !== undefined) {
      throw Problems.badRequest(`dimensions is not supported: ${this.embedder.model} always answers ${this.embedder.dimensions} dimensions`, [
        { field: 'dimensions', message: 'not supported' },
      ]);
    }
    const model = this.embedder.model;
    if (dto.model !== model && dto.model !== model.slice(model.indexOf('/') + 1)) {
      throw Problems.badRequest(`model ${dto.model} is not an embedding model here; use ${model}`, [{ field: 'model', message: `use ${model}` }]);
    }
    const inputs = typeof dto.input === 'string' ? [dto.input] : dto.input;
    this.checkLimits(inputs);

    let result;
    try {
      result = await this.embedder.embed(inputs);
    } catch (err) {
      if (err instanceof EmbeddingModelMissingError) throw Problems.unavailable(err.message, MODEL_MISSING_RETRY_AFTER_SECONDS);
      throw err; // provider errors and dependencies down are mapped by the problem filter
    }
    const base64 = dto.encoding_format === 'base64';
    return {
      object: 'list',
      data: result.vectors.map((vector, index) => ({ object: 'embedding', index, embedding: base64 ? toBase64(vector) : vector })),
      model,
      usage: { prompt_tokens: result.tokens, total_tokens: result.tokens },
    };
  }

  private checkLimits(inputs: string[]): void {
    const maxInputs = this.config.EMBEDDINGS_MAX_INPUTS;
    const maxChars = this.config.EMBEDDINGS_MAX_INPUT_CHARS;
    if (inputs.length > maxInputs) {
      throw new ProblemException(HttpStatus.PAYLOAD_TOO_LARGE, 'Too many inputs', `at most ${maxInputs} inputs per request; send ${inputs.length} in several requests`, {
        errors: [{ field: 'input', message: `at most ${maxInputs} items` }],
      });
    }
    const tooLong = inputs.findIndex((text) => text.length > maxChars);
    if (tooLong >= 0) {
      throw new ProblemException(HttpStatus.PAYLOAD_TOO_LARGE, 'Input too long', `input[${tooLong}] has ${inputs[tooLong].length} characters; at most ${maxChars}`, {
        errors: [{ field: `input[${tooLong}]`, message: `at most ${maxChars} characters` }],
      });
    }
  }
}

/** OpenAI's base64 encoding: the float32 little-endian bytes of the vector. */
function toBase64(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
  return bytes.toString('base64');
}
