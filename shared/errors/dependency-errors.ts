import { errors as elasticErrors } from '@elastic/elasticsearch';
import { ConnectionException, DriverException } from '@mikro-orm/core';
import { ServiceError } from '@temporalio/client';

/** Seconds a client should wait before retrying when a dependency (Postgres, Redis, Temporal, Elasticsearch, Qdrant) is down. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P03', '08006', '08001']);

// Matched anywhere: the query builder prefixes a driver's message with the SQL ("select … - Connection
// terminated unexpectedly"); Postgres shutting down sends "terminating connection due to administrator command";
// knex refuses the next query of a transaction whose connection died with "Transaction query already complete".
const DOWN_MESSAGES = /(^|- )(Connection is closed\.|Stream isn't writeable|Connection terminated|timeout exceeded when trying to connect|Command timed out|terminating connection due to administrator command|the database system is (starting up|shutting down)|Transaction query already complete)/;

/**
 * A connection-level failure of a dependency, whatever library raised it. Shared by the API (503)
 * and the workers (a turn failing on one is the gateway's fault, not the provider's).
 */
export function isDependencyDown(err: unknown): boolean {
  if (err instanceof ConnectionException) return true;
  if (err instanceof ServiceError) return true;
  // Elasticsearch's client: no connection, a timed-out request, or a cluster answering that it cannot serve.
  if (err instanceof elasticErrors.ConnectionError || err instanceof elasticErrors.NoLivingConnectionsError || err instanceof elasticErrors.TimeoutError) return true;
  if (err instanceof elasticErrors.ResponseError && (err.statusCode === 503 || err.statusCode === 429)) return true;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  // ioredis: offline queue disabled or retries exhausted while Redis is away; commandTimeout elapsed.
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.message === 'string' && DOWN_MESSAGES.test(e.message)) return true;
  if (err instanceof DriverException && e.cause !== undefined) return isDependencyDown(e.cause);
  return e.cause !== undefined && e.cause !== err ? isDependencyDown(e.cause) : false;
}
