import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '../common/auth/principal';
import { CompareModelsQuery, ListModelsQuery, ModelComparisonDto, ModelDto, ModelListDto, ModelUsageDto, ModelUsageQuery } from './dto/model.dto';
import { ModelsService } from './models.service';

/** The model catalogue, OpenAI-compatible (`GET /models` works with the OpenAI SDKs), plus usage per model. */
@ApiTags('models')
@ApiBearerAuth()
@Controller('models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  /** Models whose provider is configured here; `?all=true` lists the whole catalogue. */
  @Get()
  list(@Query() query: ListModelsQuery): ModelListDto {
    return this.models.list(query.all);
  }

  /** Side by side: context, prices and the caller's usage of each (`?ids=a,b`). */
  @Get('compare')
  compare(@CurrentPrincipal() p: Principal, @Query() query: CompareModelsQuery): Promise<ModelComparisonDto> {
    return this.models.compare(p, query);
  }

  /**
   * `GET /models/{id}` (a model) and `GET /models/{id}/usage` (the caller's usage of it; admins may pass userId).
   * Ids contain slashes: send them as they are (`/models/openai/gpt-4o-mini`) or URL-encoded.
   */
  @Get('*')
  @ApiParam({ name: 'path', description: 'A model id (slashes as they are, or URL-encoded), optionally followed by /usage' })
  byPath(@CurrentPrincipal() p: Principal, @Param('*') path: string, @Query() query: ModelUsageQuery): ModelDto | Promise<ModelUsageDto> {
    return this.models.byPath(p, path, query);
  }
}
