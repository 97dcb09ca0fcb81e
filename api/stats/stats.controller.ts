import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '../common/auth/principal';
import { StatsQueryDto } from './dto/stats.dto';
import { StatsService } from './stats.service';

/** Usage figures: with stats:read everyone's, otherwise the caller's own. */
@ApiTags('stats')
@ApiBearerAuth()
@Controller('stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  /** Turns, tokens, tool runs, active users and cost over the window (default: the last 30 days). */
  @Get('overview')
  overview(@CurrentPrincipal() p: Principal, @Query() q: StatsQueryDto) {
    return this.stats.overview(p, q);
  }

  @Get('models')
  models(@CurrentPrincipal() p: Principal, @Query() q: StatsQueryDto) {
    return this.stats.models(p, q);
  }

  @Get('tools')
  tools(@CurrentPrincipal() p: Principal, @Query() q: StatsQueryDto) {
    return this.stats.tools(p, q);
  }

  @Get('users')
  users(@CurrentPrincipal() p: Principal, @Query() q: StatsQueryDto) {
    return this.stats.users(p, q);
  }

  /** Cost per UTC day, LLM and tools apart. */
  @Get('cost')
  cost(@CurrentPrincipal() p: Principal, @Query() q: StatsQueryDto) {
    return this.stats.cost(p, q);
  }

  /** Turn latency (request to completion) percentiles per model. */
  @Get('latency')
  latency(@CurrentPrincipal() p: Principal, @Query() q: StatsQueryDto) {
    return this.stats.latency(p, q);
  }
}
