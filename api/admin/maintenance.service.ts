import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { Permission } from '../../shared/domain/roles';
import { GovernanceBus } from '../../shared/governance/governance-bus';
import { InjectRedis } from '../../shared/redis/redis.module';
import { Authenticator } from '../common/auth/authenticator.service';
import { API_PREFIX } from '../common/openapi';
import { sendProblem, toProblem } from '../common/problem/problem-response';
import { Problems } from '../common/problem/problem.exception';

const KEY = 'gateway:maintenance';

export interface MaintenanceState {
  enabled: boolean;
  message: string;
  retryAfterSeconds: number;
  since: string | null;
}

const OFF: MaintenanceState = { enabled: false, message: '', retryAfterSeconds: 0, since: null };

function bearerOf(header: string | undefined): string | undefined {
  const [scheme, value] = (header ?? '').split(' ');
  return scheme?.toLowerCase() === 'bearer' && value ? value.trim() : undefined;
}

/**
 * Maintenance mode: while on, everyone without system:manage gets 503 + Retry-After, except health and login.
 * The state lives in Redis (a restarted process picks it up) and in an in-process flag the bus keeps in sync,
 * so with maintenance off the whole cost per request is one boolean test. Running workflows are untouched.
 */
@Injectable()
export class MaintenanceService implements OnModuleInit {
  private state: MaintenanceState = OFF;
  private readonly open: string[];

  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly bus: GovernanceBus,
    private readonly authenticator: Authenticator,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.open = [`/${API_PREFIX}/monitoring/health`, `/${API_PREFIX}/auth/login`, `/${API_PREFIX}/auth/refresh`];
    bus.on('maintenance', (payload) => {
      this.state = { ...OFF, ...(payload as MaintenanceState) };
    });
  }

  async onModuleInit() {
    const stored = await this.redis.get(KEY);
    if (stored) this.state = { ...OFF, ...(JSON.parse(stored) as MaintenanceState) };
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onRequest', async (req, reply) => {
      if (this.state.enabled) await this.gate(req, reply);
    });
  }

  get current(): MaintenanceState {
    return this.state;
  }

  async set(enabled: boolean, message: string, retryAfterSeconds: number): Promise<MaintenanceState> {
    const state: MaintenanceState = enabled ? { enabled, message, retryAfterSeconds, since: new Date().toISOString() } : OFF;
    if (enabled) await this.redis.set(KEY, JSON.stringify(state));
    else await this.redis.del(KEY);
    await this.bus.publish('maintenance', state);
    return state;
  }

  private async gate(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const path = req.url.split('?', 1)[0];
    if (this.open.some((p) => path === p || path.startsWith(`${p}/`))) return;
    const bearer = bearerOf(req.headers.authorization);
    const principal = bearer ? await this.authenticator.authenticate(bearer, req.ip) : undefined;
    if (principal?.permissions.has(Permission.SystemManage)) return;
    await sendProblem(reply, toProblem(Problems.unavailable(this.state.message || 'The service is under maintenance', this.state.retryAfterSeconds), req.url, req.id));
  }
}
