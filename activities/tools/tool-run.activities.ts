import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type Redis from 'ioredis';
import type { SecretBox } from '../../shared/security/secret-box';
import { ToolRun, ToolSecret } from '../../shared/persistence/entities';
import type { ToolCallError, ToolRunInput } from '../../workflows/tool-run/tool-run.contract';
import { BUILTINS, CALLER_SCOPED_BUILTINS } from './builtins';
import { inputHash } from './canonical-json';
import { runHttpTool } from './http-tool';
import { loadWorkflowTool, type WorkflowToolTarget } from './workflow-tool';
import { DestinationNotAllowedError } from '../../shared/http/destination-policy';
import { ResponseTooLargeError, SafeHttpClient, TooManyRedirectsError } from '../../shared/http/safe-http.client';
import { ToolCallFailure } from './tool-errors';

export interface ToolRunActivityDeps {
  orm: MikroORM;
  redis: Redis;
  secrets: SecretBox;
  http: SafeHttpClient;
}

export interface ExecutedTool {
  result: unknown;
  cached: boolean;
  resultBytes: number;
}

export interface ToolRunRecord {
  runId: string;
  status: 'completed' | 'failed';
  latencyMs: number;
  costUsd: string;
  cached: boolean;
  result?: unknown;
  error?: ToolCallError;
}

/** Same tool version + same canonical input (+ the caller, for tools that read the caller's data) = same entry. */
export function toolCacheKey(input: ToolRunInput): string {
  const scope = input.tool.kind === 'builtin' && CALLER_SCOPED_BUILTINS.has(input.tool.name) ? input.userId : '';
  return `tool-cache:${input.tool.name}:v${input.tool.version}:${inputHash({ input: input.input, scope })}`;
}

/** Any error from a call as the ApplicationFailure the workflow's retry policy understands. */
function asFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof DestinationNotAllowedError) return ApplicationFailure.nonRetryable(err.message, 'DestinationNotAllowed');
  if (err instanceof ResponseTooLargeError) return ApplicationFailure.nonRetryable(err.message, 'ResultTooLarge');
  if (err instanceof TooManyRedirectsError) return ApplicationFailure.nonRetryable(err.message, 'UpstreamError');
  if (err instanceof ToolCallFailure) {
    return ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: !err.retryable, details: [{ upstreamStatus: err.upstreamStatus }] });
  }
  const e = err as Error & { code?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return ApplicationFailure.retryable('the tool call timed out', 'ToolTimeout');
  // Connection refused/reset, DNS failure…: the endpoint may come back, so the retry policy decides.
  return ApplicationFailure.retryable(`the tool's endpoint could not be reached (${e?.code ?? e?.message ?? 'unknown error'})`, 'UpstreamError');
}

export function createToolRunActivities(deps: ToolRunActivityDeps) {
  async function secret(name: string): Promise<string | undefined> {
    const row = await deps.orm.em.fork().findOne(ToolSecret, { name });
    return row ? deps.secrets.open(row.sealed) : undefined;
  }

  async function call(input: ToolRunInput, signal: AbortSignal): Promise<unknown> {
    const { tool } = input;
    if (tool.kind === 'http') {
      if (!tool.http) throw new ToolCallFailure('ToolConfigError', 'the HTTP tool has no request configuration');
      return runHttpTool(deps.http, tool.http, input.input, { secret, maxBytes: tool.resultMaxBytes, timeoutMs: tool.timeoutMs, signal });
    }
    if (tool.kind === 'builtin') {
      const impl = BUILTINS[tool.name];
      if (!impl) throw new ToolCallFailure('ToolConfigError', `no built-in tool is named "${tool.name}"`);
      return impl(input.input, { userId: input.userId, timeoutMs: tool.timeoutMs, signal, orm: deps.orm, http: deps.http });
    }
    throw new ToolCallFailure('ToolNotImplemented', 'workflow tools are not available yet');
  }

  return {
    /** One attempt at the tool call; the workflow applies the tool version's timeout and retry policy. */
    async executeTool(input: ToolRunInput): Promise<ExecutedTool> {
      const ctx = Context.current();
      const cacheKey = input.tool.cacheTtlSeconds > 0 ? toolCacheKey(input) : undefined;
      if (cacheKey) {
        const hit = await deps.redis.get(cacheKey);
        if (hit !== null) return { result: JSON.parse(hit) as unknown, cached: true, resultBytes: Buffer.byteLength(hit) };
      }
      let result: unknown;
      try {
        result = await call(input, ctx.cancellationSignal);
      } catch (err) {
        const failure = asFailure(err);
        const log = failure.type === 'DestinationNotAllowed' ? ctx.log.warn : ctx.log.info;
        log.call(ctx.log, 'tool call failed', { runId: input.runId, tool: input.tool.name, type: failure.type, message: failure.message, attempt: ctx.info.attempt });
        throw failure;
      }
      const text = JSON.stringify(result ?? null);
      const resultBytes = Buffer.byteLength(text);
      if (resultBytes > input.tool.resultMaxBytes) {
        throw ApplicationFailure.nonRetryable(`the result is ${resultBytes} bytes, more than the tool's resultMaxBytes (${input.tool.resultMaxBytes})`, 'ResultTooLarge');
      }
      if (cacheKey) await deps.redis.set(cacheKey, text, 'EX', input.tool.cacheTtlSeconds);
      return { result: result ?? null, cached: false, resultBytes };
    },

    /** A workflow tool's definition at its current version (pinned for this call), the input checked against its schema. */
    async loadWorkflowTool(req: { definitionId: string; input: Record<string, unknown> }): Promise<WorkflowToolTarget> {
      try {
        return await loadWorkflowTool(deps.orm.em.fork(), req);
      } catch (err) {
        throw asFailure(err);
      }
    },

    /** The run's outcome, latency and cost, written once: only a row still running is updated. */
    async recordToolRun(record: ToolRunRecord): Promise<boolean> {
      const updated = await deps.orm.em.fork().nativeUpdate(
        ToolRun,
        { id: record.runId, status: 'running' },
        {
          status: record.status,
          latencyMs: record.latencyMs,
          costUsd: record.costUsd,
          cached: record.cached,
          result: record.status === 'completed' ? (record.result ?? null) : null,
          error: record.error ?? null,
          completedAt: new Date(),
        },
      );
      return updated === 1;
    },
  };
}

export type ToolRunActivities = ReturnType<typeof createToolRunActivities>;
