import { Client } from '@elastic/elasticsearch';
import { DriverException } from '@mikro-orm/core';
import { createServer } from 'node:net';
import { isDependencyDown } from './dependency-errors';

/** A loopback port nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// Errors met while Postgres or Redis went away, as the drivers raised them (from the fault suite's logs).
describe('isDependencyDown', () => {
  it.each([
    ['pg: a query cut by the server going away (prefixed with its SQL)', new Error('select u.id from sessions s where s.id = $1 - Connection terminated unexpectedly')],
    ['pg: the server shutting down', Object.assign(new Error('select 1 - terminating connection due to administrator command'), { code: '57P01' })],
    ['pg: the server not accepting connections yet', new Error('the database system is starting up')],
    ['knex: a transaction whose connection died', new Error('Transaction query already complete, run with DEBUG=knex:tx for more info')],
    ['pg: refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' })],
    ['MikroORM wrapping a refused connection', new DriverException(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' }))],
    ['ioredis: retries exhausted', Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' })],
    ['ioredis: commandTimeout', new Error('Command timed out')],
    ['ioredis: closed', new Error('Connection is closed.')],
  ])('%s', (_label, err) => expect(isDependencyDown(err)).toBe(true));

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a constraint violation', Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' })],
  ])('not %s', (_label, err) => expect(isDependencyDown(err)).toBe(false));

  it('Elasticsearch or Qdrant unreachable, as their clients raise it', async () => {
    const port = await closedPort();
    const es = new Client({ node: `http://127.0.0.1:${port}`, maxRetries: 0, requestTimeout: 2000 });
    expect(isDependencyDown(await es.info().catch((e: unknown) => e))).toBe(true);
    // @qdrant/js-client-rest rejects with fetch's TypeError, the socket error as its cause.
    expect(isDependencyDown(await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e))).toBe(true);
    await es.close();
  });
});
