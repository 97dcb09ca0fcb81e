import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import { createApprovalActivities } from '../../activities/approvals/approval.activities';
import { createAuditRecordActivities } from '../../activities/audit/audit-record.activities';
import { createChatActivities } from '../../activities/chat/chat-turn.activities';
import type { ReplyRequest } from '../../shared/chat/reply-provider';
import type { ProviderEvent } from '../../shared/llm/provider.types';
import { createNotificationActivities } from '../../activities/notifications/notification.activities';
import { DestinationPolicy } from '../../shared/http/destination-policy';
import { SafeHttpClient } from '../../shared/http/safe-http.client';
import { createToolRunActivities } from '../../activities/tools/tool-run.activities';
import { ChatTurn, Message, Tool, ToolRun, ToolVersion, UsageRecord, User } from '../../shared/persistence/entities';
import { SecretBox } from '../../shared/security/secret-box';
import { chatTurnWorkflow } from '../../workflows';
import { approvalStateQuery, approvalWorkflowId, decideUpdate } from '../../workflows/approval/approval.contract';
import { chatTurnWorkflowId, type ChatTurnInput } from '../../workflows/chat-turn/chat-turn.contract';
import { openStores, scriptedCandidate, ScriptedReplyProviders, seedTurn, turnEvents, visibleText, words } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';

type Call = { name: string; args: Record<string, unknown> };

/** A model that asks for `calls` while it has no tool answer for them, then sums up the tool messages it read. */
function toolModel(rounds: (req: ReplyRequest) => Call[] | undefined) {
  return async function* (req: ReplyRequest, signal: AbortSignal): AsyncIterable<ProviderEvent> {
    const calls = rounds(req);
    if (calls?.length) {
      for (const [i, c] of calls.entries()) yield { type: 'tool_call', call: { id: `call_${req.messages.length}_${i}`, name: c.name, arguments: JSON.stringify(c.args) } };
      yield { type: 'usage', inputTokens: 10, outputTokens: 4 };
      yield { type: 'finish', reason: 'tool_calls' };
      return;
    }
    const answers = req.messages.filter((m) => m.role === 'tool').map((m) => m.content);
    yield* words(['Answer:', ...answers], { signal, inputTokens: 20 });
  };
}

const toolAnswers = (req: ReplyRequest) => req.messages.filter((m) => m.role === 'tool').length;

// Real Temporal (local CLI dev server), the stack's Postgres and Redis, real built-in tools run by real
// toolRun children; only the LLM layer is scripted.
describe('chatTurn workflow with tool calls', () => {
  const providers = new ScriptedReplyProviders();
  const taskQueue = `test-chat-tools-${randomUUID()}`;
  const tag = randomUUID().slice(0, 8);
  const approvalTool = `needs_ok_${tag}`;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let orm: MikroORM;
  let redis: Redis;
  let closeStores: () => Promise<void>;
  const users: string[] = [];
  const requests: ReplyRequest[] = [];

  beforeAll(async () => {
    ({ orm, redis, close: closeStores } = await openStores());
    // A calculator that needs an approval (the built-ins are registered by the API at boot).
    const em = orm.em.fork();
    const calc = await em.findOneOrFail(ToolVersion, { tool: { name: 'calculator' }, version: 1 });
    const tool = em.create(Tool, { name: approvalTool, category: 'spec', description: 'calculator, approved first', allowedRoles: ['user', 'admin'] });
    em.create(ToolVersion, { tool, version: 1, kind: 'builtin', description: calc.description, category: 'spec', inputSchema: calc.inputSchema, timeoutMs: 5000, retry: calc.retry, resultMaxBytes: 10_000, cacheTtlSeconds: 0, costPerCallUsd: '0', requiresApproval: true, allowedRoles: ['user', 'admin'] });
    await em.flush();
    env = await localTemporal();
    const http = new SafeHttpClient(new DestinationPolicy([]));
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
      activities: {
        ...createChatActivities({ orm, redis, providers, streamRetentionSeconds: 600, defaultMaxTokens: 256 }),
        ...createToolRunActivities({ orm, redis, secrets: new SecretBox(Buffer.alloc(32, 7).toString('base64')), http }),
        ...createApprovalActivities({ orm }),
        ...createAuditRecordActivities({ orm }),
        ...createNotificationActivities({ orm, redis }),
      },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    const em = orm.em.fork();
    if (users.length) await em.nativeDelete(User, { id: { $in: users } });
    await em.nativeDelete(Tool, { name: approvalTool });
    await closeStores?.();
  });

  async function seed(model: string, tools: string[], maxToolSteps?: number): Promise<ChatTurnInput> {
    const seeded = await seedTurn(orm, model, 'what now?');
    users.push(seeded.userId);
    return { ...seeded.input, tools, ...(maxToolSteps !== undefined ? { maxToolSteps } : {}) };
  }

  const start = (input: ChatTurnInput) => env.client.workflow.start(chatTurnWorkflow, { taskQueue, workflowId: chatTurnWorkflowId(input.turnId), args: [input] });
  const run = async (input: ChatTurnInput) => (await start(input)).result();

  async function stored(turnId: string) {
    const em = orm.em.fork();
    const messages = await em.find(Message, { turnId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    const usage = await em.find(UsageRecord, { sourceId: turnId });
    const runs = await em.find(ToolRun, { workflowId: { $like: `tool-run:${turnId}-%` } }, { orderBy: { workflowId: 'asc' } });
    return { turn: await em.findOneOrFail(ChatTurn, turnId), messages, usage, runs };
  }

  it('runs a call as a child toolRun, feeds the result back and finishes with text; one usage row for both steps', async () => {
    const model = providers.chain('one-call', [
      scriptedCandidate('scripted/tools', 'tools-co', (req, signal) => {
        requests.push(req);
        return toolModel((r) => (toolAnswers(r) ? undefined : [{ name: 'current_time', args: { timezone: 'Asia/Tokyo' } }]))(req, signal);
      }),
    ]);
    const input = await seed(model, ['current_time']);

    const result = await run(input);

    expect(result).toMatchObject({ status: 'completed', inputTokens: 30, outputTokens: 6 });
    const events = await turnEvents(redis, input.turnId);
    expect(events.map((e) => e.type)).toEqual(['tool', 'tool', 'token', 'token', 'done']);
    const [call, answer] = events.map((e) => e.data as Record<string, unknown>);
    expect(call).toMatchObject({ phase: 'call', name: 'current_time', arguments: '{"timezone":"Asia/Tokyo"}' });
    expect(answer).toMatchObject({ phase: 'result', name: 'current_time', callId: call.callId, result: { timezone: 'Asia/Tokyo', offset: '+09:00' } });
    expect(visibleText(events)).toContain('"offset":"+09:00"');

    const { turn, messages, usage, runs } = await stored(input.turnId);
    expect(turn.status).toBe('completed');
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(messages[1].toolCalls).toEqual([{ id: call.callId, name: 'current_time', arguments: '{"timezone":"Asia/Tokyo"}' }]);
    expect(messages[2].toolCallId).toBe(call.callId);
    expect(messages[3].id).toBe(result.assistantMessageId);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ inputTokens: 30, outputTokens: 6, provider: 'tools-co' });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ toolName: 'current_time', status: 'completed', workflowId: `tool-run:${input.turnId}-0-0`, id: call.runId });
    // The model was offered the tool's schema, and read the call and its result in the second step.
    const second = requests.at(-1)!;
    expect(second.tools?.map((t) => t.name)).toEqual(['current_time']);
    expect(second.messages.slice(-3).map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
  });

  it('runs independent calls in parallel children; a call to a tool not offered is refused and the model is told', async () => {
    const model = providers.chain('parallel', [
      scriptedCandidate('scripted/tools', 'tools-co', toolModel((r) =>
        toolAnswers(r)
          ? undefined
          : [
              { name: 'calculator', args: { expression: '6*7' } },
              { name: 'current_time', args: {} },
              { name: 'fetch_url_as_text', args: { url: 'http://169.254.169.254/' } },
            ],
      )),
    ]);
    const input = await seed(model, ['calculator', 'current_time']);

    const result = await run(input);

    expect(result.status).toBe('completed');
    const events = await turnEvents(redis, input.turnId);
    const tools = events.filter((e) => e.type === 'tool').map((e) => e.data as Record<string, unknown>);
    expect(tools.filter((d) => d.phase === 'call').map((d) => d.name)).toEqual(['calculator', 'current_time', 'fetch_url_as_text']);
    expect(tools.find((d) => d.phase === 'result' && d.name === 'calculator')).toMatchObject({ result: { expression: '6*7', result: 42 } });
    expect(tools.find((d) => d.name === 'fetch_url_as_text' && d.phase === 'error')).toMatchObject({ runId: null, error: expect.stringContaining('not available') });
    const { messages, runs } = await stored(input.turnId);
    expect(messages.filter((m) => m.role === 'tool')).toHaveLength(3);
    // Two children, named by turn, step and index; the refused call never ran.
    expect(runs.map((r) => [r.workflowId, r.status])).toEqual([
      [`tool-run:${input.turnId}-0-0`, 'completed'],
      [`tool-run:${input.turnId}-0-1`, 'completed'],
    ]);
    const children = await Promise.all(runs.map((r) => env.client.workflow.getHandle(r.workflowId!).describe()));
    expect(children.map((c) => c.parentExecution?.workflowId)).toEqual([chatTurnWorkflowId(input.turnId), chatTurnWorkflowId(input.turnId)]);
    expect(visibleText(events)).toContain('42');
  });

  it('ends the turn with a "Tool step limit reached" error when the model keeps calling tools; usage still recorded once', async () => {
    const model = providers.chain('loop', [scriptedCandidate('scripted/tools', 'tools-co', toolModel(() => [{ name: 'calculator', args: { expression: '1+1' } }]))]);
    const input = await seed(model, ['calculator'], 2);

    const result = await run(input);

    expect(result).toMatchObject({ status: 'failed', assistantMessageId: null, error: { status: 422, title: 'Tool step limit reached' } });
    const events = await turnEvents(redis, input.turnId);
    expect(events.at(-1)).toEqual({ type: 'error', data: expect.objectContaining({ status: 422, title: 'Tool step limit reached' }) });
    const { turn, messages, usage, runs } = await stored(input.turnId);
    expect(turn.status).toBe('failed');
    expect(runs.map((r) => r.workflowId)).toEqual([`tool-run:${input.turnId}-0-0`, `tool-run:${input.turnId}-1-0`]);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool', 'assistant']);
    // Three provider calls (two rounds, then the one that still wanted tools), in one row.
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ inputTokens: 30, outputTokens: 12 });
  });

  it('waits on an approval child before running a tool that requires one; a rejection is what the model reads', async () => {
    const model = providers.chain('approval', [
      scriptedCandidate('scripted/tools', 'tools-co', toolModel((r) => (toolAnswers(r) ? undefined : [{ name: approvalTool, args: { expression: '2+2' } }]))),
    ]);
    const input = await seed(model, [approvalTool]);
    const handle = await start(input);

    let approvalId: string | undefined;
    for (let i = 0; i < 100 && !approvalId; i++) {
      const pending = (await turnEvents(redis, input.turnId)).find((e) => e.type === 'tool' && (e.data as { phase?: string }).phase === 'approval_pending');
      approvalId = (pending?.data as { approvalId?: string } | undefined)?.approvalId;
      if (!approvalId) await new Promise((r) => setTimeout(r, 100));
    }
    expect(approvalId).toBeDefined();
    const approval = env.client.workflow.getHandle(approvalWorkflowId(approvalId!));
    // The event goes out just before the child starts.
    let state = await approval.query(approvalStateQuery).catch(() => undefined);
    for (let i = 0; i < 50 && !state; i++) state = await new Promise((r) => setTimeout(r, 100)).then(() => approval.query(approvalStateQuery).catch(() => undefined));
    expect(state).toMatchObject({ status: 'pending', requestId: approvalId });
    await approval.executeUpdate(decideUpdate, { args: [{ decision: 'reject', deciderId: input.userId, comment: 'not today' }] });

    const result = await handle.result();

    expect(result.status).toBe('completed');
    const { messages, runs } = await stored(input.turnId);
    expect(runs.map((r) => [r.status, r.error?.type])).toEqual([['failed', 'NotRun']]);
    expect(messages.find((m) => m.role === 'tool')?.content).toMatch(/rejected by an approver: not today/);
    expect(visibleText(await turnEvents(redis, input.turnId))).toContain('rejected');
  });
});
