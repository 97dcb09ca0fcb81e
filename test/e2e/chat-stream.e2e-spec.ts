import { randomUUID } from 'node:crypto';
import { api, expectProblem } from '../support/api-client';
import { registerUser, TestAccount } from '../support/accounts';
import { openSse, visibleText } from '../support/sse-client';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';


describe('chat streaming (SSE) on durable turns', () => {
  const llm = new StubLlmServer();
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    [alice, bob] = await Promise.all([registerUser('chat-alice'), registerUser('chat-bob')]);
  });
  afterAll(() => llm.stop());

  it('streams a turn: turn event first, ids on every event, tokens, done; the stored text equals what the client saw', async () => {
    const sse = await openSse('/chat/stream', { token: alice.accessToken, body: { message: 'hello durable world', model: stubModel('echo') } });
    expect(sse.status).toBe(200);
    const events = await sse.events;
    expect(events[0].event).toBe('turn');
    expect(events.every((e) => /^\d+-\d+$/.test(e.id ?? ''))).toBe(true);
    const last = events[events.length - 1];
    expect(last.event).toBe('done');
    expect(visibleText(events)).toBe('You said: hello durable world');

    const turn = await api('GET', `/chat/turns/${events[0].data.turnId}`, { token: alice.accessToken });
    expect(turn.status).toBe(200);
    expect(turn.body).toMatchObject({ status: 'completed', content: 'You said: hello durable world', assistantMessageId: last.data.messageId });
    expect(turn.body.usage).toMatchObject({ inputTokens: 10, outputTokens: 5 });
  });

  it('resumes after Last-Event-ID with exactly the missed events, and lets two clients follow one turn', async () => {
    const first = await openSse('/chat/stream', {
      token: alice.accessToken,
      body: { message: 'resume me', model: stubModel('slow-20') },
      stopAfter: (_e, all) => all.filter((x) => x.event === 'token').length === 5,
    });
    const seen = await first.events;
    const turnId = seen[0].data.turnId;
    const lastId = seen[seen.length - 1].id!;

    const [resumed, other] = await Promise.all([
      openSse(`/chat/turns/${turnId}/stream`, { token: alice.accessToken, headers: { 'last-event-id': lastId } }),
      openSse(`/chat/turns/${turnId}/stream`, { token: alice.accessToken }),
    ]);
    const [rest, full] = await Promise.all([resumed.events, other.events]);
    expect(rest[0].id! > lastId || rest[0].id!.length > lastId.length).toBe(true);
    const stitched = [...seen, ...rest];
    expect(stitched.map((e) => e.id)).toEqual(full.map((e) => e.id));
    expect(visibleText(stitched)).toBe(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '));
    expect(full[full.length - 1].event).toBe('done');
  });

  it('stops a running turn: cancellation reaches the provider and the partial reply is kept', async () => {
    const abortedBefore = llm.aborted;
    let turnId = '';
    let cancel: Promise<{ status: number }> | undefined;
    const sse = await openSse('/chat/stream', {
      token: alice.accessToken,
      body: { message: 'stop me', model: stubModel('slow-100') },
      onEvent: (e) => {
        if (e.event === 'turn') turnId = e.data.turnId;
        if (e.event === 'token' && !cancel) cancel = api('POST', `/chat/turns/${turnId}/cancel`, { token: alice.accessToken });
      },
    });
    const events = await sse.events;
    expect((await cancel)?.status).toBe(202);
    expect(events[events.length - 1].event).toBe('cancelled');
    const partial = visibleText(events);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.split(' ').length).toBeLessThan(40);
    const turn = await api('GET', `/chat/turns/${turnId}`, { token: alice.accessToken });
    expect(turn.body.status).toBe('cancelled');
    expect(turn.body.content).toBe(partial);
    expect(llm.aborted).toBeGreaterThan(abortedBefore);
  });

  it('never starts two turns for one Idempotency-Key, even when sent concurrently', async () => {
    const key = `idem-${randomUUID()}`;
    const send = () => api('POST', '/chat', { token: alice.accessToken, body: { message: 'once only', model: stubModel('echo') }, headers: { 'idempotency-key': key } });
    const results = await Promise.all([send(), send(), send()]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const ids = new Set(results.map((r) => r.body.turnId));
    expect(ids.size).toBe(1);
    expect(results[0].body).toMatchObject({ status: 'completed', content: 'You said: once only' });
    const again = await send();
    expect(again.body.turnId).toBe(results[0].body.turnId);
    const msgs = await api('GET', `/conversations/${results[0].body.conversationId}/messages`, { token: alice.accessToken });
    if (msgs.status === 200) expect(msgs.body.items.filter((m: { role: string }) => m.role === 'user')).toHaveLength(1);
  });

  it('keeps turns private: another user gets 404 on read, follow, cancel and on the conversation', async () => {
    const res = await api('POST', '/chat', { token: alice.accessToken, body: { message: 'private', model: stubModel('echo') } });
    expect(res.status).toBe(200);
    const { turnId, conversationId } = res.body;
    expectProblem(await api('GET', `/chat/turns/${turnId}`, { token: bob.accessToken }), 404);
    expectProblem(await api('GET', `/chat/turns/${turnId}/stream`, { token: bob.accessToken }), 404);
    expectProblem(await api('POST', `/chat/turns/${turnId}/cancel`, { token: bob.accessToken }), 404);
    expectProblem(await api('POST', '/chat', { token: bob.accessToken, body: { message: 'hijack', conversationId } }), 404);
  });

  it('rejects bad input with problem+json before any stream starts', async () => {
    expectProblem(await api('POST', '/chat/stream', { token: alice.accessToken, body: {} }), 400);
    expectProblem(await api('POST', '/chat/stream', { token: alice.accessToken, body: { message: 'x', temperature: 'hot' } }), 400);
    expectProblem(await api('POST', '/chat/stream', { token: alice.accessToken, body: { message: 'x', extra: 1 } }), 400);
    expectProblem(await api('POST', '/chat/stream', { token: alice.accessToken, rawBody: '{"message":' }), 400);
    expectProblem(await api('GET', '/chat/turns/not-a-uuid', { token: alice.accessToken }), 400);
    expectProblem(await api('POST', '/chat/stream', { body: { message: 'x' } }), 401);
    expectProblem(await api('GET', `/chat/turns/${randomUUID()}/stream`, { token: alice.accessToken, headers: { 'last-event-id': 'garbage' } }), 400);
  });

  it('maps provider failures to problems: bad key → 401, rate limit → 429 with Retry-After (also as an SSE error event)', async () => {
    const auth = await api('POST', '/chat', { token: alice.accessToken, body: { message: 'x', model: stubModel('fail-401') } });
    expectProblem(auth, 401);
    expect(auth.body.turnId).toEqual(expect.any(String));
    const limited = await api('POST', '/chat', { token: alice.accessToken, body: { message: 'x', model: stubModel('fail-429') } });
    expectProblem(limited, 429);
    expect(limited.headers.get('retry-after')).toBe('7');
    const sse = await openSse('/chat/stream', { token: alice.accessToken, body: { message: 'x', model: stubModel('fail-401') } });
    const events = await sse.events;
    expect(events[events.length - 1]).toMatchObject({ event: 'error', data: { status: 401 } });
    const turn = await api('GET', `/chat/turns/${events[0].data.turnId}`, { token: alice.accessToken });
    expect(turn.body).toMatchObject({ status: 'failed', usage: null });
  });

  it('ends at once when a client resumes after the last event of a finished turn', async () => {
    const sse = await openSse('/chat/stream', { token: alice.accessToken, body: { message: 'finished', model: stubModel('echo') } });
    const events = await sse.events;
    const last = events[events.length - 1];
    expect(last.event).toBe('done');
    const started = Date.now();
    const resumed = await openSse(`/chat/turns/${events[0].data.turnId}/stream`, { token: alice.accessToken, headers: { 'last-event-id': last.id! } });
    expect(await resumed.events).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('survives a provider silent for longer than the heartbeat timeout before its first token (no retry, no reset)', async () => {
    const before = llm.requests.length;
    const sse = await openSse('/chat/stream', { token: alice.accessToken, body: { message: 'take your time', model: stubModel('quiet-7000') } });
    const events = await sse.events;
    expect(events.at(-1)!.event).toBe('done');
    expect(events.some((e) => e.event === 'reset')).toBe(false);
    expect(visibleText(events)).toBe('You said: take your time');
    // One provider request: the activity was never timed out and retried.
    expect(llm.requests.length - before).toBe(1);
  }, 30_000);
});
