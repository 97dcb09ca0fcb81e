import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ExpressionError, evaluateExpression, renderTemplates } from '../../shared/workflow-definitions/expressions';
import { User, UserStatus, WorkflowDefinition, WorkflowDefinitionVersion } from '../../shared/persistence/entities';
import type { ToolNodeCall, WorkflowSpec } from '../../workflows/declarative-run/declarative-run.contract';
import type { ReplyProviders } from '../../shared/chat/reply-provider';
import type { SafeHttpClient } from '../../shared/http/safe-http.client';
import { prepareToolNode } from './tool-node';

export interface EngineActivityDeps {
  orm: MikroORM;
  providers: ReplyProviders;
  /** SSRF-safe outbound HTTP (resolved address checked on every hop; TOOL_HTTP_ALLOW_HOSTS). */
  http: SafeHttpClient;
  defaultModel: string;
}

export type Scope = Record<string, unknown>;

const HTTP_MAX_BYTES = 1_000_000;
const BEAT_MS = 1000;

/** Definition mistakes found at run time (a bad expression, a wrong type) are not retried. */
function nonRetryable(err: unknown, type = 'WorkflowStepError'): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  return ApplicationFailure.nonRetryable(err instanceof Error ? err.message : String(err), err instanceof ExpressionError ? 'ExpressionError' : type);
}

function render<T>(value: T, scope: Scope): T {
  try {
    return renderTemplates(value, scope) as T;
  } catch (err) {
    throw nonRetryable(err);
  }
}

/** Heartbeats while `work` runs, so a cancel of the run reaches the activity within a beat. */
async function beating<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(), BEAT_MS);
  try {
    return await work(ctx.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}

export function createEngineActivities(deps: EngineActivityDeps) {
  return {
    /** Local activity: evaluates expressions against the run's scope (jexl, no eval). */
    async evaluateExpressions(req: { expressions: string[]; scope: Scope }): Promise<unknown[]> {
      try {
        return req.expressions.map((e) => evaluateExpression(e, req.scope) ?? null);
      } catch (err) {
        throw nonRetryable(err);
      }
    },

    /** Local activity: resolves `${{ }}` templates in a JSON value. */
    async renderValue(req: { value: unknown; scope: Scope }): Promise<unknown> {
      return render(req.value, req.scope);
    },

    async httpAction(req: { request: { method?: string; url: string; headers?: Record<string, string>; body?: unknown }; scope: Scope; timeoutMs: number }) {
      const r = render(req.request, req.scope);
      const body = r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      const headers = { ...(body !== undefined && typeof r.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...r.headers };
      let res;
      try {
        res = await beating((signal) => deps.http.request({ method: r.method ?? 'GET', url: r.url, headers, body, maxBytes: HTTP_MAX_BYTES, timeoutMs: req.timeoutMs, signal }));
      } catch (err) {
        const type = (err as { type?: string }).type;
        if (type === 'DestinationNotAllowed' || type === 'ResultTooLarge') throw nonRetryable(err, type);
        throw err;
      }
      const text = res.body.toString('utf8');
      let parsed: unknown = text;
      if (String(res.headers['content-type'] ?? '').includes('json')) {
        try {
          parsed = JSON.parse(text);
        } catch {
          /* keep the text */
        }
      }
      if (res.status >= 500 || res.status === 429) throw ApplicationFailure.retryable(`HTTP ${res.status} from ${r.url}`, 'HttpUpstreamError');
      if (res.status >= 400) throw ApplicationFailure.nonRetryable(`HTTP ${res.status} from ${r.url}`, 'HttpClientError', { status: res.status, body: parsed });
      return { input: { method: r.method ?? 'GET', url: r.url }, output: { status: res.status, body: parsed } };
    },

    /** A prompt through the LLM layer (the model, then its fallbacks). */
    async llmAction(req: { prompt: string; system?: string; model?: string; maxTokens?: number; scope: Scope }) {
      const prompt = String(render(req.prompt, req.scope));
      const system = req.system ? String(render(req.system, req.scope)) : undefined;
      const model = req.model ?? deps.defaultModel;
      let candidates;
      try {
        candidates = deps.providers.candidates(model);
      } catch (err) {
        throw nonRetryable(err, 'ProviderBadRequestError');
      }
      const messages = [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user' as const, content: prompt }];
      let last: unknown;
      for (const candidate of candidates) {
        try {
          const text = await beating(async (signal) => {
            let out = '';
            for await (const ev of candidate.stream({ messages, maxTokens: req.maxTokens ?? 512, temperature: 0.2 }, signal)) if (ev.type === 'text') out += ev.delta;
            return out.trim();
          });
          return { input: { model, prompt }, output: { text, model: candidate.model, provider: candidate.provider } };
        } catch (err) {
          if (Context.current().cancellationSignal.aborted) throw err;
          last = err;
          if (!deps.providers.classify(err).retryable) break;
        }
      }
      const problem = deps.providers.classify(last);
      throw problem.retryable ? ApplicationFailure.retryable(problem.detail, problem.type) : ApplicationFailure.nonRetryable(problem.detail, problem.type);
    },

    /** A tool node: arguments rendered, then the registry's checks (see prepareToolNode); the workflow runs the child. */
    async prepareToolCall(req: { tool: string; arguments?: Record<string, unknown>; scope: Scope; ownerId: string; key: string }): Promise<ToolNodeCall> {
      const input = render(req.arguments ?? {}, req.scope);
      return prepareToolNode(deps.orm.em.fork(), { tool: req.tool, input, ownerId: req.ownerId, key: req.key });
    },

    /** Histories from before tool nodes ran through the registry still call this (unpatched path). */
    async toolAction(req: { tool: string; arguments?: Record<string, unknown>; scope: Scope }): Promise<{ input: unknown; output: unknown }> {
      const args = render(req.arguments ?? {}, req.scope);
      throw ApplicationFailure.nonRetryable(`tool nodes need the tool registry (tool "${req.tool}" with ${JSON.stringify(args).slice(0, 200)})`, 'ToolRegistryUnavailable');
    },

    /**
     * Local activity: a notify node may mail only its run's owner, a member of one of the owner's
     * teams, or an active user with a verified address; never any address a definition names.
     */
    async checkNotifyRecipient(req: { to: string; ownerId: string }): Promise<void> {
      const to = String(req.to ?? '').trim().toLowerCase();
      const em = deps.orm.em.fork();
      const recipient = to ? await em.findOne(User, { email: to, status: UserStatus.Active }) : null;
      const allowed =
        recipient &&
        (recipient.id === req.ownerId ||
          recipient.emailVerifiedAt !== null ||
          (await em.getConnection().execute('select 1 from team_members a join team_members b on b.team_id = a.team_id where a.user_id = ? and b.user_id = ? limit 1', [recipient.id, req.ownerId])).length > 0);
      if (!allowed) throw ApplicationFailure.nonRetryable(`notify: "${to.slice(0, 320)}" is not the owner, a team-mate or a verified user`, 'WorkflowStepError');
    },

    /** The current version of another definition of the same owner, for a sub-workflow node. */
    async loadSubWorkflow(req: { definitionId: string; ownerId: string }): Promise<{ definitionId: string; version: number; spec: WorkflowSpec }> {
      const em = deps.orm.em.fork();
      const def = await em.findOne(WorkflowDefinition, { id: req.definitionId, owner: req.ownerId, deletedAt: null });
      if (!def) throw ApplicationFailure.nonRetryable(`sub-workflow ${req.definitionId} was not found`, 'SubWorkflowNotFound');
      const v = await em.findOneOrFail(WorkflowDefinitionVersion, { definition: def.id, version: def.currentVersion });
      return { definitionId: def.id, version: v.version, spec: v.spec };
    },
  };
}

export type EngineActivities = ReturnType<typeof createEngineActivities>;
