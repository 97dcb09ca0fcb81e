import { parseClientFrame } from './chat-ws-frames';
import { presenceFrame } from './chat-ws-rooms.service';

const CONV = '3f0c9e0e-6f0a-4c1e-9d3e-2b8f1a7c5d42';

describe('parseClientFrame', () => {
  it('accepts each request type with its fields', () => {
    expect(parseClientFrame(JSON.stringify({ type: 'join', id: 'a1', conversationId: CONV }))).toMatchObject({ ok: true, frame: { type: 'join', id: 'a1', conversationId: CONV } });
    expect(parseClientFrame('{"type":"ping"}')).toMatchObject({ ok: true, frame: { type: 'ping' } });
    expect(parseClientFrame(JSON.stringify({ type: 'typing', conversationId: CONV, typing: false }))).toMatchObject({ ok: true });
    expect(parseClientFrame(JSON.stringify({ type: 'follow', turnId: CONV, lastEventId: '1795672223971-0' }))).toMatchObject({ ok: true });
    expect(parseClientFrame(JSON.stringify({ type: 'chat', message: 'hi', maxTokens: 10, temperature: 0.5, idempotencyKey: 'k-1' }))).toMatchObject({ ok: true });
  });

  it.each([
    ['not json', 'bad_json'],
    ['null', 'bad_json'],
    ['[{"type":"ping"}]', 'bad_json'],
    ['{"id":"x"}', 'invalid_message'],
    ['{"type":"toString"}', 'unknown_type'],
    ['{"type":"__proto__"}', 'unknown_type'],
    ['{"type":"join","conversationId":"nope"}', 'invalid_message'],
    ['{"type":"join","conversationId":"' + CONV + '","x":1}', 'invalid_message'],
    ['{"type":"typing","conversationId":"' + CONV + '","typing":"true"}', 'invalid_message'],
    ['{"type":"chat","message":{"text":"hi"}}', 'invalid_message'],
    ['{"type":"chat","message":"a\\u0000b"}', 'invalid_message'],
    ['{"type":"chat","message":"hi","maxTokens":1.5}', 'invalid_message'],
    ['{"type":"chat","message":"hi","idempotencyKey":"has space"}', 'invalid_message'],
    ['{"type":"follow","turnId":"' + CONV + '","lastEventId":"1-2-3"}', 'invalid_message'],
    ['{"type":"ping","id":""}', 'invalid_message'],
  ])('%s → %s', (text, code) => {
    const parsed = parseClientFrame(text);
    expect(parsed).toMatchObject({ ok: false, code, message: expect.any(String) });
  });

  it('echoes a well-formed id on errors, never a malformed one', () => {
    expect(parseClientFrame('{"type":"dance","id":"q7"}')).toMatchObject({ ok: false, id: 'q7' });
    expect(parseClientFrame(JSON.stringify({ type: 'dance', id: 'x'.repeat(65) }))).not.toHaveProperty('id', expect.anything());
    expect(parseClientFrame('{"type":"dance","id":{"a":1}}')).not.toHaveProperty('id', expect.anything());
  });
});

describe('presenceFrame', () => {
  it('lists each user once, whatever the number of their sockets, sorted by id', () => {
    const members = ['p1.0|u2|Bea', 'p1.1|u1|Al|ice', 'p2.0|u2|Bea'];
    expect(presenceFrame(CONV, JSON.stringify(members))).toEqual({
      type: 'presence',
      conversationId: CONV,
      users: [
        { userId: 'u1', name: 'Al|ice' },
        { userId: 'u2', name: 'Bea' },
      ],
    });
  });

  it('reads an empty room (Lua cjson encodes an empty list as {})', () => {
    expect(presenceFrame(CONV, '{}')).toEqual({ type: 'presence', conversationId: CONV, users: [] });
  });
});
