import OpenAI from 'openai';
import { api } from '../support/api-client';
import { uniqueEmail } from '../support/accounts';
import { ingested, pdfOf, uploadFiles } from '../support/file-uploads';
import { openSse, visibleText } from '../support/sse-client';
import { ChatWsClient, wsVisibleText } from '../support/ws-client';
import { DEFAULT_SETTINGS } from '../../api/admin/runtime-settings.service';
import { LOCAL_MODEL_ID } from '../../shared/domain/model-registry';

/**
 * What a newcomer gets from `./dev up`: no provider key, no stub, the default runtime settings, the
 * embedded local model. `./dev test` starts that stack beside the test stack (DEFAULTS_API_URL); each
 * chat path must answer a fixed factual question sensibly and record usage.
 */
const apiUrl = process.env.DEFAULTS_API_URL;
const QUESTION = 'What is the capital of France?';
// A small model may spell it with different casing or punctuation; the word is what matters.
const mentionsParis = (text: string) => /\bparis\b/i.test(text);
// Cold-loading the model and generating on a busy 2-core machine: generous, still bounded.
const TURN_TIMEOUT_MS = 120_000;

describe('the default configuration, as `./dev up` serves it (no key, no stub)', () => {
  if (!apiUrl) {
    it('needs the defaults stack: run it through ./dev test, which starts it', () => {
      throw new Error('DEFAULTS_API_URL is not set: `./dev test` starts the defaults stack and exports it');
    });
    return;
  }
  let token: string;

  beforeAll(async () => {
    const email = uniqueEmail('newcomer');
    const password = 'correct horse battery';
    const res = await api('POST', '/auth/register', { apiUrl, body: { email, password, name: 'New Comer' } });
    expect(res.status).toBe(202);
    const session = await api('POST', '/auth/login', { apiUrl, body: { email, password } });
    expect(session.status).toBe(200);
    token = session.body.accessToken;
  });

  async function expectUsageRecorded(turnId: string) {
    const turn = await api('GET', `/chat/turns/${turnId}`, { apiUrl, token });
    expect(turn.status).toBe(200);
    expect(turn.body).toMatchObject({ status: 'completed', model: LOCAL_MODEL_ID });
    expect(turn.body.usage).toMatchObject({ provider: 'local', costUsd: expect.stringMatching(/^0(\.0+)?$/) });
    expect(turn.body.usage.inputTokens).toBeGreaterThan(0);
    expect(turn.body.usage.outputTokens).toBeGreaterThan(0);
    return turn.body;
  }

  it('runs with every runtime setting at its default and offers only the local model', async () => {
    const admin = await api('POST', '/auth/login', {
      apiUrl,
      body: { email: process.env.DEFAULTS_ADMIN_EMAIL, password: process.env.DEFAULTS_ADMIN_PASSWORD },
    });
    expect(admin.status).toBe(200);
    const config = await api('GET', '/admin/system/config', { apiUrl, token: admin.body.accessToken });
    expect(config.status).toBe(200);
    // Never changed (version 0): every runtime setting at its default, the first-step streamer on.
    expect(config.body.runtime).toMatchObject({ version: 0, settings: DEFAULT_SETTINGS });
    expect(config.body.runtime.settings.chatStreamFromApi).toBe(true);
    expect(config.body.environment.NODE_ENV).toBe('development');
    for (const key of ['OPENAI_COMPATIBLE_BASE_URL', 'OPENAI_API_KEY', 'OPENROUTER_API_KEY', 'ANTHROPIC_API_KEY']) {
      expect({ key, value: config.body.environment[key] ?? null }).toEqual({ key, value: null });
    }
    const models = await api('GET', '/models', { apiUrl, token });
    expect(models.status).toBe(200);
    const ids = (models.body.data ?? models.body.items ?? models.body).map((m: { id: string }) => m.id);
    expect(ids).toEqual([LOCAL_MODEL_ID]);
  });

  it('POST /chat/stream streams a sensible answer (no model named: the default)', async () => {
    const session = await openSse('/chat/stream', { apiUrl, token, body: { message: QUESTION, maxTokens: 48 } });
    expect(session.status).toBe(200);
    const events = await session.events;
    expect(events[0]).toMatchObject({ event: 'turn', data: { model: LOCAL_MODEL_ID } });
    expect(events.filter((e) => e.event === 'token').length).toBeGreaterThan(1);
    expect(events[events.length - 1].event).toBe('done');
    const text = visibleText(events);
    expect({ text, paris: mentionsParis(text) }).toEqual({ text, paris: true });
    const turn = await expectUsageRecorded(events[0].data.turnId);
    expect(turn.content).toBe(text);
  }, TURN_TIMEOUT_MS);

  it('POST /chat answers in one response', async () => {
    const res = await api('POST', '/chat', { apiUrl, token, body: { message: QUESTION, model: LOCAL_MODEL_ID, maxTokens: 48 } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('completed');
    expect({ content: res.body.content, paris: mentionsParis(res.body.content) }).toEqual({ content: res.body.content, paris: true });
    await expectUsageRecorded(res.body.turnId);
  }, TURN_TIMEOUT_MS);

  it('POST /chat/completions answers the official OpenAI SDK, streamed and not', async () => {
    const key = await api('POST', '/users/me/api-keys', { apiUrl, token, body: { name: 'newcomer sdk' } });
    expect(key.status).toBe(201);
    const client = new OpenAI({ baseURL: apiUrl, apiKey: key.body.key, maxRetries: 0, timeout: TURN_TIMEOUT_MS });

    const completion = await client.chat.completions.create({ model: LOCAL_MODEL_ID, messages: [{ role: 'user', content: QUESTION }], max_tokens: 48 });
    const content = completion.choices[0].message.content ?? '';
    expect({ content, paris: mentionsParis(content) }).toEqual({ content, paris: true });
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    await expectUsageRecorded(completion.id.replace(/^chatcmpl-/, ''));

    const stream = await client.chat.completions.create({ model: LOCAL_MODEL_ID, messages: [{ role: 'user', content: QUESTION }], max_tokens: 48, stream: true });
    let streamed = '';
    let id = '';
    for await (const chunk of stream) {
      id = chunk.id;
      streamed += chunk.choices[0]?.delta?.content ?? '';
    }
    expect({ streamed, paris: mentionsParis(streamed) }).toEqual({ streamed, paris: true });
    await expectUsageRecorded(id.replace(/^chatcmpl-/, ''));
  }, 2 * TURN_TIMEOUT_MS);

  it('WS chat streams a sensible answer', async () => {
    const client = await ChatWsClient.open(token, { apiUrl });
    try {
      const ack = await client.request({ type: 'chat', message: QUESTION, maxTokens: 48 });
      expect(ack).toMatchObject({ type: 'ack', turnId: expect.any(String) });
      const frames = await client.turnEvents(ack.turnId, TURN_TIMEOUT_MS);
      expect(frames[frames.length - 1].type).toBe('done');
      const text = wsVisibleText(frames);
      expect({ text, paris: mentionsParis(text) }).toEqual({ text, paris: true });
      await expectUsageRecorded(ack.turnId);
    } finally {
      await client.close();
    }
  }, TURN_TIMEOUT_MS);

  it('a chat over an uploaded PDF answers from it and cites it (local model, local embeddings)', async () => {
    const pdf = await pdfOf(['Visitor guide. The door code of the Zephyr lab is 4471. Visitors sign in at the front desk.', 'The cafeteria opens at seven.']);
    const up = await uploadFiles(token, [{ name: 'visitor-guide.pdf', data: pdf, type: 'application/pdf' }], apiUrl);
    expect(up.status).toBe(201);
    const fileId = up.body.items[0].id;
    expect(await ingested(token, fileId, apiUrl)).toMatchObject({ status: 'ready' });
    const conv = await api('POST', '/conversations', { apiUrl, token, body: { title: 'Visitor questions' } });
    expect((await api('POST', `/conversations/${conv.body.id}/files`, { apiUrl, token, body: { fileId } })).status).toBe(201);

    const session = await openSse('/chat/stream', { apiUrl, token, body: { conversationId: conv.body.id, message: 'What is the door code of the Zephyr lab?', maxTokens: 48 } });
    const events = await session.events;
    const done = events[events.length - 1];
    expect(done.event).toBe('done');
    const text = visibleText(events);
    expect({ text, code: /4471/.test(text) }).toEqual({ text, code: true });
    expect(done.data.citations[0]).toMatchObject({ n: 1, fileId, fileName: 'visitor-guide.pdf', chunk: 0 });
    await expectUsageRecorded(events[0].data.turnId);
  }, TURN_TIMEOUT_MS);
});
