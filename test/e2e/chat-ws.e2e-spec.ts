import Redis from 'ioredis';
import { api } from '../support/api-client';
import { login, registerUser, TestAccount } from '../support/accounts';
import { startApiProcess } from '../support/api-process';
import { sql } from '../support/db';
import { openSse } from '../support/sse-client';
import { stack } from '../support/stack';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';
import { ChatWsClient, chatWsUrl, wsVisibleText } from '../support/ws-client';

const STREAM_ID = /^\d+-\d+$/;
const presenceKey = (conversationId: string) => `chat-ws:presence:{${conversationId}}`;

/** Starts a turn on the socket and returns its ack and every frame up to the terminal one. */
async function chatTurn(client: ChatWsClient, body: Record<string, unknown>) {
  const ack = await client.request({ type: 'chat', ...body });
  expect(ack).toMatchObject({ type: 'ack', turnId: expect.any(String), conversationId: expect.any(String) });
  return { ack, events: await client.turnEvents(ack.turnId) };
}

describe('WebSocket chat (WS /api/v3/chat/ws)', () => {
  const llm = new StubLlmServer();
  const redis = new Redis(stack.redisUrl);
  const sockets: ChatWsClient[] = [];
  let alice: TestAccount;
  let bob: TestAccount;
  let aliceDevice2Token: string;
  let conversationId: string;
  let userMessageId: string;
  let assistantMessageId: string;

  const open = async (token: string, opts?: { viaQuery?: boolean; apiUrl?: string }) => {
    const client = await ChatWsClient.open(token, opts);
    sockets.push(client);
    return client;
  };

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    [alice, bob] = await Promise.all([registerUser('ws-alice'), registerUser('ws-bob')]);
    const second = await login(alice.email, alice.password, { 'x-forwarded-for': '10.77.0.1' });
    expect(second.status).toBe(200);
    aliceDevice2Token = second.body.accessToken;
    const res = await api('POST', '/chat', { token: alice.accessToken, body: { message: 'seed the room', model: stubModel('echo') } });
    expect(res.status).toBe(200);
    ({ conversationId, userMessageId, assistantMessageId } = res.body);
  });

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });

  afterAll(async () => {
    redis.disconnect();
    await llm.stop();
  });

  describe('authentication on the upgrade', () => {
    it('refuses an upgrade without a credential with 401 problem+json, before any socket opens', async () => {
      const res = await ChatWsClient.refused(chatWsUrl());
      expect(res).toMatchObject({ status: 401, contentType: 'application/problem+json' });
      expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized', detail: expect.stringMatching(/Authorization: Bearer/) });
    });

    it('refuses a bad or forged token, in the header and in ?access_token=', async () => {
      const forged = `${alice.accessToken.slice(0, -4)}AAAA`;
      for (const res of [
        await ChatWsClient.refused(chatWsUrl(), { authorization: 'Bearer not-a-token' }),
        await ChatWsClient.refused(chatWsUrl(), { authorization: `Bearer ${forged}` }),
        await ChatWsClient.refused(chatWsUrl(undefined, '?access_token=gk_nothing_here')),
      ]) {
        expect(res.status).toBe(401);
        expect(res.body.detail).toMatch(/invalid, expired or revoked/);
      }
    });

    it('accepts an access token in the header or ?access_token= and an API key', async () => {
      const key = await api('POST', `/users/${alice.id}/api-keys`, { token: alice.accessToken, body: { name: 'ws e2e', scopes: ['chat:use', 'conversations:read'] } });
      expect(key.status).toBe(201);
      for (const client of [await open(alice.accessToken), await open(alice.accessToken, { viaQuery: true }), await open(key.body.key, { viaQuery: true })]) {
        expect(await client.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
      }
    });

    it('closes a socket whose session was logged out at its next request (4401)', async () => {
      const device = await login(alice.email, alice.password, { 'x-forwarded-for': '10.77.0.2' });
      const client = await open(device.body.accessToken);
      expect((await client.request({ type: 'join', conversationId })).type).toBe('ack');
      expect((await api('POST', '/auth/logout', { token: device.body.accessToken })).status).toBe(204);
      expect(await client.request({ type: 'join', conversationId })).toMatchObject({ type: 'error', code: 'unauthorized' });
      expect((await client.closed).code).toBe(4401);
    });

    it('swaps the credential with auth {token}: only a valid one of the same user', async () => {
      const device = await login(alice.email, alice.password, { 'x-forwarded-for': '10.77.0.3' });
      const client = await open(device.body.accessToken);
      expect(await client.request({ type: 'auth', token: 'garbage' })).toMatchObject({ type: 'error', code: 'unauthorized' });
      expect(await client.request({ type: 'auth', token: bob.accessToken })).toMatchObject({ type: 'error', code: 'forbidden' });
      expect(await client.request({ type: 'auth', token: aliceDevice2Token })).toMatchObject({ type: 'ack' });
      // The original session ends; the socket lives on the swapped credential.
      expect((await api('POST', '/auth/logout', { token: device.body.accessToken })).status).toBe(204);
      expect(await client.request({ type: 'join', conversationId })).toMatchObject({ type: 'ack', conversationId });
    });
  });

  describe('rooms: presence, typing, read receipts', () => {
    it('shows presence to every socket in the room (same user, second device) and keeps it in Redis with an expiry', async () => {
      const phone = await open(alice.accessToken);
      const laptop = await open(aliceDevice2Token, { viaQuery: true });

      const joined = await phone.request({ type: 'join', conversationId });
      expect(joined).toMatchObject({ type: 'ack', conversationId });
      const first = await phone.waitFor((f) => f.type === 'presence');
      expect(first).toEqual({ type: 'presence', conversationId, users: [{ userId: alice.id, name: 'Test ws-alice' }] });

      await laptop.request({ type: 'join', conversationId });
      // Both sockets see the second join; the user is listed once although present twice.
      for (const s of [phone, laptop]) {
        expect(await s.waitFor((f) => f.type === 'presence')).toEqual({ type: 'presence', conversationId, users: [{ userId: alice.id, name: 'Test ws-alice' }] });
      }
      expect(await redis.zcard(presenceKey(conversationId))).toBe(2);
      const [, score] = await redis.zrange(presenceKey(conversationId), 0, 0, 'WITHSCORES');
      expect(Number(score) - Date.now()).toBeGreaterThan(30_000);
      expect(Number(score) - Date.now()).toBeLessThanOrEqual(60_000);
      expect(await redis.pttl(presenceKey(conversationId))).toBeGreaterThan(0);

      // Leave: the other socket is told, and the entry is gone.
      expect(await laptop.request({ type: 'leave', conversationId })).toMatchObject({ type: 'ack', conversationId });
      await phone.waitFor((f) => f.type === 'presence');
      expect(await redis.zcard(presenceKey(conversationId))).toBe(1);
      // Disconnect: the room empties.
      await phone.close();
      for (let i = 0; i < 50 && (await redis.zcard(presenceKey(conversationId))) > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await redis.zcard(presenceKey(conversationId))).toBe(0);
    });

    it('relays typing and read receipts to the other sockets in the room, not back to the sender, and stores the receipt', async () => {
      const phone = await open(alice.accessToken);
      const laptop = await open(aliceDevice2Token);
      await phone.request({ type: 'join', conversationId });
      await laptop.request({ type: 'join', conversationId });

      expect(await phone.request({ type: 'typing', conversationId, typing: true })).toMatchObject({ type: 'ack' });
      expect(await laptop.waitFor((f) => f.type === 'typing')).toEqual({ type: 'typing', conversationId, userId: alice.id, typing: true });
      await phone.request({ type: 'typing', conversationId, typing: false });
      expect(await laptop.waitFor((f) => f.type === 'typing')).toMatchObject({ typing: false });

      const read = await laptop.request({ type: 'read', conversationId, messageId: assistantMessageId });
      expect(read).toMatchObject({ type: 'ack', conversationId, messageId: assistantMessageId });
      expect(await phone.waitFor((f) => f.type === 'read')).toEqual({ type: 'read', conversationId, userId: alice.id, messageId: assistantMessageId });
      const rows = await sql<{ message_id: string }>('select message_id from read_receipts where user_id = ? and conversation_id = ?', [alice.id, conversationId]);
      expect(rows).toEqual([{ message_id: assistantMessageId }]);

      // An older message does not move the receipt back (receipts from two devices may cross).
      expect(await phone.request({ type: 'read', conversationId, messageId: userMessageId })).toMatchObject({ type: 'ack', messageId: assistantMessageId });
      // A later join reports where the user had read to.
      const again = await open(alice.accessToken);
      expect(await again.request({ type: 'join', conversationId })).toMatchObject({ lastReadMessageId: assistantMessageId });

      // Nothing the sender did came back to it.
      expect(phone.seen('typing')).toHaveLength(0);
      expect(laptop.seen('read')).toHaveLength(0);
    });

    it('caps the sockets in one room (presence frames list them all), and frees the place on leave', async () => {
      const room = await api('POST', '/conversations', { token: alice.accessToken, body: { title: 'crowded' } });
      expect(room.status).toBe(201);
      const id = room.body.id as string;
      const clients = await Promise.all(Array.from({ length: 33 }, () => open(alice.accessToken)));
      const answers = [];
      for (const c of clients) answers.push(await c.request({ type: 'join', conversationId: id }));
      expect(answers.slice(0, 32).every((a) => a.type === 'ack')).toBe(true);
      expect(answers[32]).toMatchObject({ type: 'error', code: 'too_many' });
      expect(await redis.zcard(presenceKey(id))).toBe(32);
      await clients[0].request({ type: 'leave', conversationId: id });
      expect(await clients[32].request({ type: 'join', conversationId: id })).toMatchObject({ type: 'ack' });
    });

    it('requires a join before typing, and a message of that conversation for a receipt', async () => {
      const client = await open(alice.accessToken);
      expect(await client.request({ type: 'typing', conversationId, typing: true })).toMatchObject({ type: 'error', code: 'not_joined' });
      const other = await api('POST', '/chat', { token: alice.accessToken, body: { message: 'another room', model: stubModel('echo') } });
      expect(await client.request({ type: 'read', conversationId, messageId: other.body.userMessageId })).toMatchObject({ type: 'error', code: 'not_found' });
    });

    it("keeps another user out: join, read, follow and cancel of alice's resources answer not_found", async () => {
      const client = await open(bob.accessToken);
      const turns = await sql<{ id: string }>('select id from chat_turns where conversation_id = ?', [conversationId]);
      for (const frame of [
        { type: 'join', conversationId },
        { type: 'read', conversationId, messageId: assistantMessageId },
        { type: 'follow', turnId: turns[0].id },
        { type: 'cancel', turnId: turns[0].id },
        { type: 'chat', conversationId, message: 'hijack' },
      ]) {
        expect(await client.request(frame)).toMatchObject({ type: 'error', code: 'not_found' });
      }
      expect(await redis.zscore(presenceKey(conversationId), 'x')).toBeNull();
      expect(client.seen('presence')).toHaveLength(0);
    });

    it('shares rooms across API processes through Redis: presence and typing reach a socket on another process', async () => {
      const second = await startApiProcess();
      try {
        const here = await open(alice.accessToken);
        const there = await open(aliceDevice2Token, { apiUrl: second.apiUrl });
        await here.request({ type: 'join', conversationId });
        await here.waitFor((f) => f.type === 'presence');
        await there.request({ type: 'join', conversationId });
        await here.waitFor((f) => f.type === 'presence');
        expect(await redis.zcard(presenceKey(conversationId))).toBe(2);

        await there.request({ type: 'typing', conversationId, typing: true });
        expect(await here.waitFor((f) => f.type === 'typing')).toMatchObject({ userId: alice.id, typing: true });
        await here.request({ type: 'typing', conversationId, typing: true });
        expect(await there.waitFor((f) => f.type === 'typing')).toMatchObject({ userId: alice.id, typing: true });

        // A graceful stop of the other process takes its sockets out of the room at once.
        await second.stop();
        await here.waitFor((f) => f.type === 'presence');
        expect(await redis.zcard(presenceKey(conversationId))).toBe(1);
      } finally {
        await second.stop('SIGKILL');
      }
    });
  });

  describe('turns over the socket', () => {
    it('streams a turn with Redis stream ids as eventIds (the same ids SSE sends); the visible text is the stored reply', async () => {
      const client = await open(alice.accessToken);
      const { ack, events } = await chatTurn(client, { message: 'hello socket world', model: stubModel('echo') });
      expect(events[0]).toMatchObject({ type: 'turn', turnId: ack.turnId, data: { conversationId: ack.conversationId } });
      expect(events.every((e) => STREAM_ID.test(e.eventId))).toBe(true);
      expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
      expect(events.map((e) => e.type)).toEqual(['turn', ...Array(5).fill('token'), 'done']);
      expect(wsVisibleText(events)).toBe('You said: hello socket world');
      // The ack came before the first event.
      expect(client.frames.findIndex((f) => f.id === ack.id)).toBeLessThan(client.frames.indexOf(events[0]));

      const turn = await api('GET', `/chat/turns/${ack.turnId}`, { token: alice.accessToken });
      expect(turn.body).toMatchObject({ status: 'completed', content: 'You said: hello socket world', assistantMessageId: events[events.length - 1].data.messageId });
      const sse = await (await openSse(`/chat/turns/${ack.turnId}/stream`, { token: alice.accessToken })).events;
      expect(sse.map((e) => e.id)).toEqual(events.map((e) => e.eventId));
    });

    it('never starts two turns for one idempotencyKey', async () => {
      const client = await open(alice.accessToken);
      const key = `ws-idem-${Date.now()}`;
      const first = await chatTurn(client, { message: 'once', model: stubModel('echo'), idempotencyKey: key, conversationId });
      const again = await client.request({ type: 'chat', message: 'once', model: stubModel('echo'), idempotencyKey: key, conversationId });
      expect(again.turnId).toBe(first.ack.turnId);
      const rows = await sql('select id from chat_turns where user_id = ? and idempotency_key = ?', [alice.id, key]);
      expect(rows).toHaveLength(1);
    });

    it('follows a turn from lastEventId with exactly the missed events; follow from the start replays it all', async () => {
      const live = await open(alice.accessToken);
      const ack = await live.request({ type: 'chat', message: 'resume me', model: stubModel('slow-20') });
      const turnId = ack.turnId as string;
      await live.waitFor((f) => f.turnId === turnId && f.type === 'token' && f.data.text === ' w4');
      const seen = live.frames.filter((f) => f.turnId === turnId && f.type !== 'ack');
      const lastEventId = seen[seen.length - 1].eventId as string;

      const resumer = await open(aliceDevice2Token);
      expect(await resumer.request({ type: 'follow', turnId, lastEventId })).toMatchObject({ type: 'ack', turnId });
      const [rest, full] = await Promise.all([resumer.turnEvents(turnId), live.turnEvents(turnId)]);
      expect([...seen, ...rest].map((e) => e.eventId)).toEqual(full.map((e) => e.eventId));
      expect(wsVisibleText([...seen, ...rest])).toBe(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '));

      const replay = await open(alice.accessToken);
      await replay.request({ type: 'follow', turnId });
      expect((await replay.turnEvents(turnId)).map((e) => e.eventId)).toEqual(full.map((e) => e.eventId));
      const tail = await replay.request({ type: 'follow', turnId, lastEventId: full[full.length - 1].eventId });
      expect(tail.type).toBe('ack');
      await new Promise((r) => setTimeout(r, 200));
      expect(replay.frames.filter((f) => f.turnId === turnId && f.type !== 'ack')).toHaveLength(full.length);
    });

    it('cancels a running turn: the provider call stops and the partial reply is what the socket showed', async () => {
      const abortedBefore = llm.aborted;
      const client = await open(alice.accessToken);
      const ack = await client.request({ type: 'chat', message: 'stop me', model: stubModel('slow-100') });
      await client.waitFor((f) => f.turnId === ack.turnId && f.type === 'token');
      expect(await client.request({ type: 'cancel', turnId: ack.turnId })).toMatchObject({ type: 'ack', turnId: ack.turnId });
      const events = await client.turnEvents(ack.turnId);
      expect(events[events.length - 1].type).toBe('cancelled');
      const partial = wsVisibleText(events);
      expect(partial.length).toBeGreaterThan(0);
      expect(partial.split(' ').length).toBeLessThan(40);
      const turn = await api('GET', `/chat/turns/${ack.turnId}`, { token: alice.accessToken });
      expect(turn.body).toMatchObject({ status: 'cancelled', content: partial });
      expect(llm.aborted).toBeGreaterThan(abortedBefore);
    });
  });

  describe('bad input', () => {
    it('answers malformed and invalid frames with error frames and keeps the socket usable', async () => {
      const client = await open(alice.accessToken);
      const errors: [string | object | Buffer, string, RegExp?][] = [
        ['{"type": "join", ', 'bad_json'],
        ['[1,2,3]', 'bad_json'],
        ['"ping"', 'bad_json'],
        [{ type: 'dance', id: 'e1' }, 'unknown_type', /Unknown type "dance"/],
        [{ type: 42, id: 'e2' }, 'invalid_message', /type/],
        [{ type: 'join', id: 'e3' }, 'invalid_message', /conversationId/],
        [{ type: 'join', id: 'e4', conversationId: 'not-a-uuid' }, 'invalid_message', /conversationId must be a UUID/],
        [{ type: 'join', id: 'e5', conversationId, extra: true }, 'invalid_message', /extra: unknown field/],
        [{ type: 'typing', id: 'e6', conversationId, typing: 'yes' }, 'invalid_message', /typing/],
        [{ type: 'chat', id: 'e7', message: '' }, 'invalid_message', /message/],
        [{ type: 'chat', id: 'e8', message: 'nul \u0000 here' }, 'invalid_message', /NUL/],
        [{ type: 'chat', id: 'e9', message: 'x', temperature: 'hot' }, 'invalid_message', /temperature/],
        [{ type: 'chat', id: 'e10', message: 'x', model: 'no-such-model' }, 'bad_request', /model/],
        [{ type: 'follow', id: 'e11', turnId: conversationId, lastEventId: 'garbage' }, 'invalid_message', /lastEventId/],
        [{ type: 'ping', id: 'x'.repeat(65) }, 'invalid_message', /id must be/],
        [{ type: 'chat', id: 'e12', message: 'x'.repeat(600 * 1024) }, 'too_large'],
        [Buffer.from([1, 2, 3]), 'invalid_message', /binary/],
      ];
      for (const [frame, code, message] of errors) {
        const answer = client.waitFor((f) => f.type === 'error');
        if (Buffer.isBuffer(frame)) client.ws.send(frame);
        else client.send(frame);
        const err = await answer;
        expect(err).toMatchObject({ code, message: expect.any(String) });
        if (message) expect(err.message).toMatch(message);
        if (typeof frame === 'object' && !Buffer.isBuffer(frame) && 'id' in frame && code !== 'too_large' && (frame.id as string).length <= 64) expect(err.id).toBe(frame.id);
      }
      expect(await client.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
      expect(await client.request({ type: 'join', conversationId })).toMatchObject({ type: 'ack' });
    });

    it('closes a socket that sends a frame over the hard limit (1009), and only that one', async () => {
      const [big, bystander] = [await open(alice.accessToken), await open(alice.accessToken)];
      big.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(1100 * 1024) }));
      expect((await big.closed).code).toBe(1009);
      expect(await bystander.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    });
  });
});
