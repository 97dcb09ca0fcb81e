import { DriverException } from '@mikro-orm/core';
import { isDependencyDown } from './dependency-errors';

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
});
