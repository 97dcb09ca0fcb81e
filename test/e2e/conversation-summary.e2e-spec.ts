import { randomUUID } from 'node:crypto';
import { SUMMARY_INSTRUCTION, summaryRequest } from '../../activities/chat/summary-prompt';
import { api, expectProblem } from '../support/api-client';
import { registerUser, TestAccount } from '../support/accounts';
import { sql } from '../support/db';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';

// The stub echoes the last user message ("You said: <it>"), so the stored summary tells exactly which prompt was sent.
describe('POST /conversations/:id/summarize', () => {
  const llm = new StubLlmServer();
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    [alice, bob] = await Promise.all([registerUser('sum-alice'), registerUser('sum-bob')]);
  });
  afterAll(() => llm.stop());

  /** A conversation on the echo model with real chat turns in it. */
  async function conversationWith(owner: TestAccount, texts: string[], model = stubModel('echo')): Promise<string> {
    const created = await api('POST', '/conversations', { token: owner.accessToken, body: { title: 'to summarize', model } });
    expect(created.status).toBe(201);
    for (const message of texts) {
      const turn = await api('POST', '/chat', { token: owner.accessToken, body: { conversationId: created.body.id, message, model: stubModel('echo') } });
      expect(turn.body.status).toBe('completed');
    }
    return created.body.id;
  }

  async function messagesOf(owner: TestAccount, id: string): Promise<{ id: string; role: 'user' | 'assistant'; content: string }[]> {
    const page = await api('GET', `/conversations/${id}/messages?limit=100`, { token: owner.accessToken });
    expect(page.status).toBe(200);
    return page.body.items;
  }

  const summaryRequests = () => llm.requests.filter((r) => r.messages[0]?.content === SUMMARY_INSTRUCTION);

  it('with wait=true summarizes the conversation, stores the summary and shows it on GET /conversations/:id', async () => {
    const id = await conversationWith(alice, ['What is Temporal?', 'And how do retries work?']);
    const messages = await messagesOf(alice, id);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    const before = summaryRequests().length;

    const res = await api('POST', `/conversations/${id}/summarize?wait=true`, { token: alice.accessToken });

    const prompt = summaryRequest(messages, 32_768);
    const expected = `You said: ${prompt[1].content}`;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ workflowId: `summarize:${id}:${messages[3].id}`, status: 'completed', summary: expected, model: stubModel('echo'), provider: 'openai' });
    const sent = summaryRequests().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({ model: 'echo', messages: prompt });
    expect(prompt[1].content).toContain('User: And how do retries work?\n\nAssistant: You said: And how do retries work?');
    const shown = await api('GET', `/conversations/${id}`, { token: alice.accessToken });
    expect(shown.body.summary).toBe(expected);
    const usage = await sql('select kind, provider, model, output_tokens from usage_records where source_id = ?', [res.body.workflowId]);
    expect(usage).toEqual([{ kind: 'summary', provider: 'openai', model: stubModel('echo'), output_tokens: expected.split(' ').length }]);
  });

  it('answers 202 at once, and summarizes the same state only once; a new message makes a new summary', async () => {
    const id = await conversationWith(alice, ['Plan a trip to Lisbon']);
    const before = summaryRequests().length;

    const started = await api('POST', `/conversations/${id}/summarize`, { token: alice.accessToken });
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ workflowId: expect.stringMatching(new RegExp(`^summarize:${id}:`)), status: expect.stringMatching(/^(running|completed)$/) });
    const waited = await api('POST', `/conversations/${id}/summarize?wait=true`, { token: alice.accessToken });
    expect(waited.status).toBe(200);
    expect(waited.body.workflowId).toBe(started.body.workflowId);
    const again = await api('POST', `/conversations/${id}/summarize`, { token: alice.accessToken });
    expect(again.body).toEqual({ workflowId: started.body.workflowId, status: 'completed' });
    expect(summaryRequests().length - before).toBe(1);

    await api('POST', '/chat', { token: alice.accessToken, body: { conversationId: id, message: 'Add a day in Porto', model: stubModel('echo') } });
    const next = await api('POST', `/conversations/${id}/summarize?wait=true`, { token: alice.accessToken });
    expect(next.status).toBe(200);
    expect(next.body.workflowId).not.toBe(started.body.workflowId);
    expect(next.body.summary).toContain('Assistant: You said: Add a day in Porto');
    expect((await api('GET', `/conversations/${id}`, { token: alice.accessToken })).body.summary).toBe(next.body.summary);
    expect(summaryRequests().length - before).toBe(2);
  });

  it('keeps conversations private: another user, a missing or a deleted conversation is 404 and nothing runs', async () => {
    const id = await conversationWith(alice, ['private thoughts']);
    const before = summaryRequests().length;
    expectProblem(await api('POST', `/conversations/${id}/summarize?wait=true`, { token: bob.accessToken }), 404);
    expectProblem(await api('POST', `/conversations/${randomUUID()}/summarize`, { token: alice.accessToken }), 404);
    expect((await api('DELETE', `/conversations/${id}`, { token: alice.accessToken })).status).toBe(204);
    expectProblem(await api('POST', `/conversations/${id}/summarize`, { token: alice.accessToken }), 404);
    expect(summaryRequests().length).toBe(before);
  });

  it('answers 409 for an empty conversation or one whose model cannot be served', async () => {
    const empty = await api('POST', '/conversations', { token: alice.accessToken, body: { title: 'empty' } });
    expect(expectProblem(await api('POST', `/conversations/${empty.body.id}/summarize`, { token: alice.accessToken }), 409).detail).toMatch(/no messages/);

    const id = await conversationWith(alice, ['hello']);
    expect((await api('PATCH', `/conversations/${id}`, { token: alice.accessToken, body: { model: 'nobody/no-model' } })).status).toBe(200);
    expect(expectProblem(await api('POST', `/conversations/${id}/summarize?wait=true`, { token: alice.accessToken }), 409).detail).toMatch(/nobody\/no-model/);
  });

  it('answers 502 when the provider refuses, and stores no summary', async () => {
    const id = await conversationWith(alice, ['summarize me if you can']);
    expect((await api('PATCH', `/conversations/${id}`, { token: alice.accessToken, body: { model: stubModel('fail-401') } })).status).toBe(200);
    const res = await api('POST', `/conversations/${id}/summarize?wait=true`, { token: alice.accessToken });
    expect(expectProblem(res, 502)).toMatchObject({ title: 'Summary failed', detail: expect.stringMatching(/bad key|401/) });
    expect((await api('GET', `/conversations/${id}`, { token: alice.accessToken })).body.summary).toBeNull();
  });

  it('rejects bad input with problem+json', async () => {
    const id = await conversationWith(alice, ['x']);
    expectProblem(await api('POST', '/conversations/not-a-uuid/summarize', { token: alice.accessToken }), 400);
    expectProblem(await api('POST', `/conversations/${id}/summarize?wait=maybe`, { token: alice.accessToken }), 400);
    expectProblem(await api('POST', `/conversations/${id}/summarize?extra=1`, { token: alice.accessToken }), 400);
    expectProblem(await api('POST', `/conversations/${id}/summarize`), 401);
  });
});
