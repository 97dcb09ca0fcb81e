import { applyEvent, compareEventIds, newTurn, restoreTurn, TurnEventIn, TurnState } from './turn-state';

const ev = (id: string, event: string, data: object): TurnEventIn => ({ id, event, data: JSON.stringify(data) });
const fold = (events: TurnEventIn[], from: TurnState = newTurn()) => events.reduce(applyEvent, from);

describe('console turn state', () => {
  const stream = [
    ev('1700000000000-0', 'turn', { turnId: 't1', conversationId: 'c1', userMessageId: 'u1', model: 'm' }),
    ev('1700000000001-0', 'token', { text: 'Hello' }),
    ev('1700000000001-1', 'token', { text: ' world' }),
    ev('1700000000002-0', 'done', { messageId: 'a1' }),
  ];

  it('folds a turn: ids, text, status and the last event id', () => {
    const s = fold(stream);
    expect(s).toMatchObject({ turnId: 't1', conversationId: 'c1', userMessageId: 'u1', text: 'Hello world', status: 'completed', lastEventId: '1700000000002-0' });
  });

  it('ignores events already applied, so an overlapping resume never doubles the text', () => {
    const before = fold(stream.slice(0, 2));
    const resumed = fold(stream, before);
    expect(resumed.text).toBe('Hello world');
    expect(resumed.status).toBe('completed');
  });

  it('drops the interrupted attempt on reset', () => {
    const s = fold([stream[0], stream[1], ev('1700000000001-5', 'reset', { attempt: 2, reason: 'retry' }), ev('1700000000003-0', 'token', { text: 'Again' })]);
    expect(s.text).toBe('Again');
  });

  it('orders stream ids numerically, not as strings', () => {
    expect(compareEventIds('999-0', '1000-0')).toBe(-1);
    expect(compareEventIds('5-10', '5-9')).toBe(1);
    expect(compareEventIds('5-1', '5-1')).toBe(0);
  });

  it('records tool notes, errors and cancellation', () => {
    const s = fold([stream[0], ev('1700000000005-0', 'tool', { phase: 'approval_pending', name: 'weather', approvalId: 'ap1' }), ev('1700000000006-0', 'error', { status: 502, title: 'Bad gateway', detail: 'upstream' })]);
    expect(s.tools).toEqual([{ phase: 'approval_pending', name: 'weather', approvalId: 'ap1', error: undefined }]);
    expect(s).toMatchObject({ status: 'failed', error: 'Bad gateway: upstream' });
    expect(fold([stream[0], ev('1700000000005-0', 'cancelled', { messageId: null })]).status).toBe('cancelled');
  });

  it('restores only a well-formed running turn', () => {
    const running = fold(stream.slice(0, 2));
    expect(restoreTurn(JSON.stringify(running))).toEqual(running);
    expect(restoreTurn(JSON.stringify(fold(stream)))).toBeNull();
    expect(restoreTurn('{not json')).toBeNull();
    expect(restoreTurn(null)).toBeNull();
  });
});
