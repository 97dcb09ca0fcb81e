import { ConnectionException, DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { ServiceError, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { ChatWsError } from '../../chat-ws/chat-ws.error';
import { errorFrameOf } from '../../chat-ws/chat-ws.service';
import { NoProviderForModelError, UnknownModelError } from '../../../shared/domain/model-registry';
import { ProviderError, type ProviderErrorKind } from '../../../shared/llm/provider.error';
import { toProblem } from './problem-details.filter';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });
const kinds: ProviderErrorKind[] = ['auth', 'rate_limited', 'bad_request', 'upstream', 'timeout'];

/** Every error class the chat path can raise before or during a stream, with the status it must give. */
const chatPathErrors: [string, unknown, number][] = [
  ['UnknownModelError', new UnknownModelError('nope/model'), 400],
  ['NoProviderForModelError', new NoProviderForModelError('openai/gpt-4o'), 400],
  ...kinds.map((kind): [string, unknown, number] => [
    `ProviderError(${kind})`,
    new ProviderError(kind, 'failed', { provider: 'openai', status: kind === 'bad_request' ? 422 : undefined, retryAfterSeconds: 2 }),
    { auth: 502, rate_limited: 429, bad_request: 422, upstream: 502, timeout: 504 }[kind],
  ]),
  ['WorkflowExecutionAlreadyStartedError', new WorkflowExecutionAlreadyStartedError('started', 'chat-turn:1', 'chatTurnWorkflow'), 409],
  ['Temporal ServiceError (frontend unreachable)', new ServiceError('Failed to connect before the deadline'), 503],
  ['UniqueConstraintViolationException', new UniqueConstraintViolationException(new Error('duplicate key')), 409],
  ['MikroORM ConnectionException', new ConnectionException(refused()), 503],
  ['MikroORM DriverException over ECONNREFUSED', new DriverException(refused()), 503],
  ['a socket error (ECONNREFUSED)', refused(), 503],
  ['ioredis MaxRetriesPerRequestError', Object.assign(new Error('Reached the max retries per request limit (which is 3).'), { name: 'MaxRetriesPerRequestError' }), 503],
  ['ioredis closed connection', new Error('Connection is closed.'), 503],
];

describe('the chat path maps every error class it can raise to a problem, never to a 500', () => {
  it.each(chatPathErrors)('%s → %i problem+json', (_name, err, status) => {
    const { body, headers } = toProblem(err, '/api/v3/chat/stream', 'req-1');
    expect(body.status).toBe(status);
    expect(body.status).toBeLessThan(500 + (status >= 502 ? 100 : 0));
    expect(body.status).not.toBe(500);
    expect(body.title).toBeTruthy();
    if (status === 503) expect(Number(headers['Retry-After'])).toBeGreaterThan(0);
    if (status === 429) expect(headers['Retry-After']).toBe('2');
  });

  it('never shows driver text to the client', () => {
    const { body } = toProblem(new DriverException(refused()));
    expect(body.detail).not.toMatch(/ECONNREFUSED|5433/);
  });

  it('the same classes become WebSocket error frames, never `internal`', () => {
    for (const [name, err] of chatPathErrors) {
      expect({ name, code: errorFrameOf(err)?.code }).not.toEqual({ name, code: 'internal' });
      expect({ name, known: errorFrameOf(err) !== undefined }).toEqual({ name, known: true });
    }
    expect(errorFrameOf(new ChatWsError('bad_request', 'x'))?.code).toBe('bad_request');
  });

  it('a genuine bug still answers 500 with a generic detail', () => {
    const { body } = toProblem(new TypeError("Cannot read properties of undefined (reading 'id')"));
    expect(body.status).toBe(500);
    expect(body.detail).not.toMatch(/undefined/);
  });
});
