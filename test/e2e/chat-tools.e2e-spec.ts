import { randomUUID } from 'node:crypto';
import { api, expectProblem } from '../support/api-client';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { openSse, visibleText } from '../support/sse-client';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';
import { allowedToolPort, RecordingServer } from '../support/tool-test-servers';

// The stub model `tools-<name>` calls tool <name> with the user's message as arguments, then answers
// "Tool <name> said: <result>". The HTTP tool points at a local server on the stack's allowed port.
// A tool the caller may not run is refused before the turn starts (404, nothing stored), never mid-turn.
describe('chat turns calling tools (SSE)', () => {
  const tag = randomUUID().slice(0, 8);
  const weather = `chat_weather_${tag}`;
  const adminOnly = `chat_admin_only_${tag}`;
  const guarded = `chat_guarded_${tag}`;
  const llm = new StubLlmServer();
  let server: RecordingServer;
  let admin: string;
  let alice: TestAccount;

  const httpTool = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    description: 'Weather for a city',
    category: `chat-tools-${tag}`,
    kind: 'http',
    inputSchema: { type: 'object', properties: { city: { type: 'string', minLength: 1 } }, required: ['city'], additionalProperties: false },
    http: { method: 'GET', urlTemplate: `http://127.0.0.1:${allowedToolPort()}/weather/{city}`, headers: {} },
    timeoutMs: 5000,
    costPerCallUsd: 0.001,
    ...extra,
  });

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    server = await new RecordingServer((req, reply) =>
      reply(200, JSON.stringify({ city: decodeURIComponent(req.url.split('/')[2]), sky: 'sunny', tempC: 23 }), { 'content-type': 'application/json' }),
    ).start(allowedToolPort());
    [admin, alice] = await Promise.all([loginAdmin(), registerUser('chat-tools-alice')]);
    expect((await api('POST', '/tools', { token: admin, body: httpTool(weather) })).status).toBe(201);
    expect((await api('POST', '/tools', { token: admin, body: httpTool(adminOnly, { allowedRoles: ['admin'] }) })).status).toBe(201);
    expect((await api('POST', '/tools', { token: admin, body: httpTool(guarded, { requiresApproval: true }) })).status).toBe(201);
  });

  afterAll(async () => {
    await server?.stop();
    await llm.stop();
  });

  it('calls an HTTP tool: tool call/result events before the final tokens, stored tool exchange, the result in the reply', async () => {
    const sse = await openSse('/chat/stream', { token: alice.accessToken, body: { message: '{"city":"Lyon"}', model: stubModel(`tools-${weather}`), tools: [weather] } });
    expect(sse.status).toBe(200);
    const events = await sse.events;
    const kinds = events.map((e) => (e.event === 'tool' ? `tool:${e.data.phase}` : e.event));
    expect(kinds[0]).toBe('turn');
    expect(kinds.slice(1, 3)).toEqual(['tool:call', 'tool:result']);
    expect(kinds.at(-1)).toBe('done');
    expect(kinds.slice(3, -1).every((k) => k === 'token')).toBe(true);
    const [call, result] = [events[1].data, events[2].data];
    expect(call).toMatchObject({ phase: 'call', name: weather, arguments: '{"city":"Lyon"}' });
    expect(result).toMatchObject({ phase: 'result', name: weather, callId: call.callId, runId: call.runId, result: { status: 200, body: { city: 'Lyon', sky: 'sunny', tempC: 23 } } });
    expect(server.seen.at(-1)?.url).toBe('/weather/Lyon');
    expect(visibleText(events)).toContain('"sky":"sunny"');
    expect(events.at(-1)!.data.content).toBe(visibleText(events));

    // The model was offered the tool's schema, then read the call and its result.
    const [first, second] = llm.requests.slice(-2);
    expect(first.tools?.map((t) => t.function.name)).toEqual([weather]);
    expect(second.messages.slice(-2)).toMatchObject([
      { role: 'assistant', tool_calls: [{ id: call.callId, function: { name: weather, arguments: '{"city":"Lyon"}' } }] },
      { role: 'tool', tool_call_id: call.callId },
    ]);

    const { turnId, conversationId } = events[0].data;
    const messages = await api('GET', `/conversations/${conversationId}/messages`, { token: alice.accessToken });
    expect(messages.status).toBe(200);
    const items = (messages.body.items ?? messages.body.data ?? messages.body) as { role: string; toolCalls?: unknown[]; toolCallId?: string; content: string }[];
    expect(items.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(items[1].toolCalls).toEqual([{ id: call.callId, name: weather, arguments: '{"city":"Lyon"}' }]);
    expect(items[2]).toMatchObject({ toolCallId: call.callId, content: expect.stringContaining('"tempC":23') });

    // The run is an ordinary tool run of alice's, named by the turn; the turn has one usage row for both calls.
    const run = await api('GET', `/tools/${weather}/runs/${call.runId}`, { token: alice.accessToken });
    expect(run.body).toMatchObject({ status: 'completed', workflowId: `tool-run:${turnId}-0-0`, costUsd: '0.001' });
    const turn = await api('GET', `/chat/turns/${turnId}`, { token: alice.accessToken });
    expect(turn.body).toMatchObject({ status: 'completed', usage: { inputTokens: 22, outputTokens: 5 + items[3].content.split(' ').length } });
  });

  it('calls the built-in current_time', async () => {
    const res = await api('POST', '/chat', { token: alice.accessToken, body: { message: '{"timezone":"Europe/Paris"}', model: stubModel('tools-current_time'), tools: ['current_time'] } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('completed');
    expect(res.body.content).toMatch(/^Tool current_time said: \{"timezone":"Europe\/Paris",.*"offset":"\+0[12]:00"/);
  });

  it('refuses before the turn starts a tool the caller may not run (404) or that does not exist (404), or malformed names (400)', async () => {
    const before = llm.requests.length;
    expectProblem(await api('POST', '/chat', { token: alice.accessToken, body: { message: '{}', model: stubModel(`tools-${adminOnly}`), tools: [adminOnly] } }), 404);
    expectProblem(await api('POST', '/chat', { token: alice.accessToken, body: { message: '{}', model: stubModel('echo'), tools: [`missing_${tag}`] } }), 404);
    expectProblem(await api('POST', '/chat', { token: alice.accessToken, body: { message: '{}', model: stubModel('echo'), tools: ['bad name!'] } }), 400);
    expect(llm.requests.length).toBe(before);
  });

  it('a call to a tool the turn did not offer is refused to the model, which answers from the refusal', async () => {
    const sse = await openSse('/chat/stream', { token: alice.accessToken, body: { message: '{"city":"Nice"}', model: stubModel(`tools-${adminOnly}`), tools: [weather] } });
    const events = await sse.events;
    const tool = events.filter((e) => e.event === 'tool').map((e) => e.data);
    expect(tool.map((d) => d.phase)).toEqual(['call', 'error']);
    expect(tool[1]).toMatchObject({ name: adminOnly, runId: null, error: expect.stringContaining('not available') });
    expect(events.at(-1)!.event).toBe('done');
    expect(visibleText(events)).toContain('not available');
    expect(server.seen.filter((r) => r.url.includes('Nice'))).toHaveLength(0);
  });

  it('waits for a human on a tool that requires approval: the requester cannot approve it, an admin does, then the turn completes', async () => {
    let approvalId = '';
    let decided: Promise<{ status: number; body: any }> | undefined;
    let selfApproval: Promise<{ status: number; body: any }> | undefined;
    const sse = await openSse('/chat/stream', {
      token: alice.accessToken,
      body: { message: '{"city":"Oslo"}', model: stubModel(`tools-${guarded}`), tools: [guarded] },
      onEvent: (e) => {
        if (e.event === 'tool' && e.data.phase === 'approval_pending' && !decided) {
          approvalId = e.data.approvalId;
          selfApproval = api('POST', `/approvals/${approvalId}/approve`, { token: alice.accessToken });
          // The admin decides from another session, after the requester's own attempt was refused.
          decided = selfApproval.then(async () => {
            await new Promise((r) => setTimeout(r, 300));
            return api('POST', `/approvals/${approvalId}/approve`, { token: await loginAdmin(), body: { comment: 'fine' } });
          });
        }
      },
    });
    const events = await sse.events;
    expect(approvalId).toMatch(/^[0-9a-f-]{36}$/);
    expect([403, 404]).toContain((await selfApproval)!.status);
    expect((await decided)!.status).toBe(200);
    const phases = events.filter((e) => e.event === 'tool').map((e) => e.data.phase);
    expect(phases).toEqual(['call', 'approval_pending', 'result']);
    expect(events.at(-1)!.event).toBe('done');
    expect(visibleText(events)).toContain('"city":"Oslo"');
    expect(server.seen.some((r) => r.url === '/weather/Oslo')).toBe(true);
    const approval = await api('GET', `/approvals/${approvalId}`, { token: admin });
    expect(approval.body).toMatchObject({ status: 'approved', comment: 'fine' });
    // Deciding again is a conflict with the recorded state.
    expectProblem(await api('POST', `/approvals/${approvalId}/reject`, { token: admin }), 409);
  });
});
