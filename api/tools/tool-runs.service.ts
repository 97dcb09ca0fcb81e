import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Permission } from '../../shared/domain/roles';
import { currentRequestId } from '../../shared/observability/request-context';
import { ToolRun, type ToolVersion } from '../../shared/persistence/entities';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import type { toolRunWorkflow } from '../../workflows';
import { TOOL_RUN_WORKFLOW, toolRunWorkflowId, type ToolCallError, type ToolRunInput } from '../../workflows/tool-run/tool-run.contract';
import { toolSpecOf } from '../../shared/tools/tool-spec';
import { PolicyService } from '../admin/policy.service';
import { hasPermission, type Principal } from '../common/auth/principal';
import { ProblemException, Problems } from '../common/problem/problem.exception';
import type { ToolRunDto, ToolUsageDto } from './dto/tool.dto';
import { ToolSchemas } from './tool-schema';
import { ToolsService } from './tools.service';

const WAIT_LIMIT_MS = 60_000;

/** How a failed call reaches the caller: the tool's fault is a 5xx gateway status, the input's a 4xx. */
const FAILURE_STATUS: Record<string, [number, string]> = {
  DestinationNotAllowed: [HttpStatus.UNPROCESSABLE_ENTITY, 'Destination not allowed'],
  ToolInputError: [HttpStatus.UNPROCESSABLE_ENTITY, 'Tool input rejected'],
  ToolNotImplemented: [HttpStatus.NOT_IMPLEMENTED, 'Not implemented'],
  ResultTooLarge: [HttpStatus.BAD_GATEWAY, 'Tool result too large'],
  UpstreamError: [HttpStatus.BAD_GATEWAY, 'Tool call failed'],
  ToolConfigError: [HttpStatus.BAD_GATEWAY, 'Tool misconfigured'],
  ToolTimeout: [HttpStatus.GATEWAY_TIMEOUT, 'Tool timed out'],
};

export function toolFailureProblem(runId: string, error: ToolCallError): ProblemException {
  const [status, title] = FAILURE_STATUS[error.type] ?? [HttpStatus.BAD_GATEWAY, 'Tool call failed'];
  return new ProblemException(status, title, error.message, { runId, errorType: error.type, ...(error.upstreamStatus ? { upstreamStatus: error.upstreamStatus } : {}) });
}


function runDto(r: ToolRun): ToolRunDto {
  return {
    runId: r.id,
    workflowId: r.workflowId ?? toolRunWorkflowId(r.id),
    tool: r.toolName,
    version: r.toolVersion,
    status: r.status,
    cached: r.cached,
    latencyMs: r.latencyMs,
    costUsd: String(Number(r.costUsd)),
    result: r.result,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    completedAt: r.completedAt?.toISOString() ?? null,
  };
}

/** Tool calls: input checks, the toolRun workflow start, run status and usage. */
@Injectable()
export class ToolRunsService {
  constructor(
    private readonly em: EntityManager,
    private readonly tools: ToolsService,
    private readonly schemas: ToolSchemas,
    private readonly temporal: TemporalClient,
    private readonly policies: PolicyService,
  ) {}

  async validate(p: Principal, name: string, input: Record<string, unknown>): Promise<{ valid: true; version: number }> {
    const { version } = await this.tools.visible(p, name);
    this.assertInput(name, version, input);
    return { valid: true, version: version.version };
  }

  async execute(p: Principal, name: string, input: Record<string, unknown>, wait: boolean): Promise<ToolRunDto> {
    const { tool, version } = await this.tools.visible(p, name);
    this.assertInput(name, version, input);
    await this.policies.check(p, 'tool.run', { type: 'tool', tool: tool.name, costUsd: Number(version.costPerCallUsd) });

    const runId = randomUUID();
    const em = this.em.fork();
    em.create(ToolRun, { id: runId, toolName: tool.name, toolVersion: version.version, user: p.userId });
    await em.flush();
    const workflowId = toolRunWorkflowId(runId);
    const args: ToolRunInput = { runId, userId: p.userId, tool: toolSpecOf(tool.name, version), input };
    const requestId = currentRequestId();
    try {
      await this.temporal.workflow.start<typeof toolRunWorkflow>(TOOL_RUN_WORKFLOW, {
        workflowId,
        taskQueue: this.temporal.queue('interactive'),
        args: [args],
        typedSearchAttributes: [
          { key: SA.kind, value: 'tool-run' },
          { key: SA.userId, value: p.userId },
          { key: SA.status, value: 'running' },
          ...(requestId ? [{ key: SA.requestId, value: requestId }] : []),
        ],
      });
    } catch (err) {
      await em.nativeUpdate(ToolRun, { id: runId, status: 'running' }, { status: 'failed', error: { type: 'ToolError', message: 'the run could not be started' }, completedAt: new Date() });
      throw err;
    }
    const started: ToolRunDto = { runId, workflowId, tool: tool.name, version: version.version, status: 'running' };
    return wait ? this.awaitResult(started) : started;
  }

  /** Waits for the run (at most a minute: then it answers "running", and GET …/runs/{id} follows it). */
  private async awaitResult(started: ToolRunDto): Promise<ToolRunDto> {
    const handle = this.temporal.workflow.getHandle<typeof toolRunWorkflow>(started.workflowId);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), WAIT_LIMIT_MS);
    try {
      const r = await this.temporal.withAbortSignal(abort.signal, () => handle.result());
      return { ...started, status: 'completed', result: r.result, cached: r.cached, latencyMs: r.latencyMs, costUsd: r.costUsd };
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
        const error = (cause?.details?.[0] as ToolCallError | undefined) ?? { type: cause?.type ?? 'ToolError', message: cause?.message ?? 'the tool call failed' };
        throw toolFailureProblem(started.runId, error);
      }
      if (abort.signal.aborted) return started;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The run's owner or an administrator; anyone else gets the same 404 as for a missing run. */
  async getRun(p: Principal, name: string, runId: string): Promise<ToolRunDto> {
    const run = await this.em.findOne(ToolRun, { id: runId, toolName: name });
    if (!run || (run.user.id !== p.userId && !hasPermission(p, Permission.ToolsManage))) throw Problems.notFound('Tool run');
    return runDto(run);
  }

  /** Calls, errors, latency percentiles and cost over the runs table: every caller's for admins, the caller's own otherwise. */
  async usage(p: Principal, name: string): Promise<ToolUsageDto> {
    await this.tools.visible(p, name);
    const all = hasPermission(p, Permission.ToolsManage);
    const [row] = await this.em.getConnection().execute<{ calls: string; errors: string; cached: string; p50: number | null; p95: number | null; cost: string | null }[]>(
      `select count(*) as calls,
              count(*) filter (where status = 'failed') as errors,
              count(*) filter (where cached) as cached,
              percentile_cont(0.5) within group (order by latency_ms) filter (where latency_ms is not null) as p50,
              percentile_cont(0.95) within group (order by latency_ms) filter (where latency_ms is not null) as p95,
              coalesce(sum(cost_usd), 0) as cost
         from tool_runs where tool_name = ? ${all ? '' : 'and user_id = ?'}`,
      all ? [name] : [name, p.userId],
    );
    return {
      tool: name,
      scope: all ? 'all' : 'own',
      calls: Number(row.calls),
      errors: Number(row.errors),
      cachedCalls: Number(row.cached),
      p50LatencyMs: row.p50 === null ? null : Math.round(Number(row.p50)),
      p95LatencyMs: row.p95 === null ? null : Math.round(Number(row.p95)),
      costUsd: String(Number(row.cost ?? 0)),
    };
  }

  private assertInput(name: string, version: ToolVersion, input: Record<string, unknown>) {
    const errors = this.schemas.validate(`${name}:${version.id}`, version.inputSchema, input);
    if (errors.length) throw Problems.validation(errors);
  }
}
