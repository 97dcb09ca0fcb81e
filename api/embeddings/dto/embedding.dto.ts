import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength, ValidateBy } from 'class-validator';

/** Hard ceiling of the array form whatever the configuration (OpenAI's own); EMBEDDINGS_MAX_INPUTS is usually lower. */
export const MAX_INPUT_ARRAY = 2048;

const IsEmbeddingInput = () =>
  ValidateBy({
    name: 'isEmbeddingInput',
    validator: {
      validate: (v: unknown) =>
        (typeof v === 'string' && v.length > 0) ||
        (Array.isArray(v) && v.length > 0 && v.length <= MAX_INPUT_ARRAY && v.every((s) => typeof s === 'string' && s.length > 0)),
      defaultMessage: () => `input must be a non-empty string or an array of 1 to ${MAX_INPUT_ARRAY} non-empty strings (token arrays are not supported)`,
    },
  });

/** OpenAI's embeddings request. `dimensions` is refused (the model's length is fixed); any other unknown field is a 400. */
export class EmbeddingRequestDto {
  @ApiProperty({
    oneOf: [
      { type: 'string', minLength: 1 },
      { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: MAX_INPUT_ARRAY },
    ],
    description: 'One text or several; each is truncated to the model\'s token limit.',
  })
  @IsEmbeddingInput()
  input: string | string[];

  /** The embedding model as the response names it (e.g. `local/all-minilm-l6-v2-q`); the bare name works too. */
  @IsString() @MinLength(1) @MaxLength(200)
  model: string;

  /** `float` (default) or `base64` (little-endian float32, what the OpenAI SDKs ask for). */
  @IsOptional() @IsIn(['float', 'base64'])
  encoding_format?: 'float' | 'base64';

  /** Not supported: the vectors have the model's own length. Sending it is a 400. */
  @ApiProperty({ required: false, type: Number, description: 'Not supported: any value is a 400.' })
  @IsOptional()
  dimensions?: unknown;

  /** Accepted and ignored. */
  @IsOptional() @IsString() @MaxLength(256)
  user?: string;
}

export class EmbeddingDto {
  @ApiProperty({ enum: ['embedding'] })
  object: 'embedding';

  index: number;

  @ApiProperty({ oneOf: [{ type: 'array', items: { type: 'number' } }, { type: 'string', description: 'base64 of little-endian float32' }] })
  embedding: number[] | string;
}

export class EmbeddingUsageDto {
  prompt_tokens: number;
  total_tokens: number;
}

export class EmbeddingListDto {
  @ApiProperty({ enum: ['list'] })
  object: 'list';

  data: EmbeddingDto[];

  model: string;

  usage: EmbeddingUsageDto;
}
