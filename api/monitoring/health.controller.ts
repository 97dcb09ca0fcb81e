import { Controller, Get, Res } from '@nestjs/common';
import { ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/auth/principal';
import { HealthReportDto, LivenessDto } from './dto/health.dto';
import { HealthService, report } from './health.service';

/** Health answers 503 when a component is down, so load balancers and `./dev status` can act on it. */
function send(reply: FastifyReply, body: HealthReportDto): HealthReportDto {
  void reply.status(body.status === 'ok' ? 200 : 503);
  return body;
}

@ApiTags('monitoring')
@ApiServiceUnavailableResponse({ description: 'A component is down', type: HealthReportDto })
@Public()
@Controller('monitoring/health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Postgres, Redis, Temporal and (SEARCH_ENGINE=elasticsearch) Elasticsearch. */
  @Get()
  async overall(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReportDto> {
    return send(reply, await this.health.overall());
  }

  /** The process is alive (no dependency is checked). */
  @Get('live')
  live(): LivenessDto {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  @Get('database')
  async database(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReportDto> {
    return send(reply, report([await this.health.database()]));
  }

  @Get('cache')
  async cache(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReportDto> {
    return send(reply, report([await this.health.cache()]));
  }

  @Get('temporal')
  async temporal(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReportDto> {
    return send(reply, report([await this.health.temporalServer()]));
  }

  /** Elasticsearch (SEARCH_ENGINE=elasticsearch); with the Postgres engine, Postgres. */
  @Get('search')
  async search(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReportDto> {
    return send(reply, report([await (this.health.searchEngine() ?? this.health.database())]));
  }

  /** Each configured LLM provider (the local model file; hosted APIs probed with their key). */
  @Get('providers')
  async providers(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReportDto> {
    return send(reply, report(await this.health.providers()));
  }
}
