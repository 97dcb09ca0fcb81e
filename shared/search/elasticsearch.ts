import { Client, errors } from '@elastic/elasticsearch';
import { SEARCH_INDEX_BODY, searchAlias, searchIndexName } from './search-index';

/**
 * Bounded calls: a search waits at most this long for Elasticsearch (then 503), an indexer batch longer.
 * A cold node on a busy 2-core machine was seen taking 5.5 s for its very first query.
 */
export const SEARCH_REQUEST_TIMEOUT_MS = 10_000;

/** ELASTICSEARCH_URL (`./dev` exports it with SEARCH_ENGINE=elasticsearch), else a local node's default. */
export const DEFAULT_ELASTICSEARCH_URL = 'http://127.0.0.1:9200';

export function createElasticsearchClient(url: string | undefined, requestTimeout = SEARCH_REQUEST_TIMEOUT_MS): Client {
  return new Client({ node: url ?? DEFAULT_ELASTICSEARCH_URL, requestTimeout, maxRetries: 1, compression: false });
}

/** Elasticsearch is down or overloaded (not a bad query): the caller answers 503 + Retry-After. */
export function isEngineUnavailable(err: unknown): boolean {
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError) return true;
  if (err instanceof errors.ResponseError) return (err.statusCode ?? 0) >= 500 || err.statusCode === 429;
  return false;
}

/** A 400 from Elasticsearch (e.g. too many fuzzy clauses): the caller's query, not our fault. */
export function isQueryRejected(err: unknown): boolean {
  return err instanceof errors.ResponseError && err.statusCode === 400;
}

export function isIndexMissing(err: unknown): boolean {
  return err instanceof errors.ResponseError && err.statusCode === 404 && JSON.stringify(err.body ?? '').includes('index_not_found_exception');
}

/** Creates `<prefix>-search-v1` behind the alias when no index holds the alias yet (idempotent, race-safe). */
export async function ensureSearchIndex(es: Client, prefix: string): Promise<string> {
  const alias = searchAlias(prefix);
  if (await es.indices.existsAlias({ name: alias })) {
    const current = await es.indices.getAlias({ name: alias });
    return Object.keys(current)[0];
  }
  const index = searchIndexName(prefix, 1);
  try {
    await es.indices.create({ index, ...SEARCH_INDEX_BODY, aliases: { [alias]: { is_write_index: true } } } as never);
  } catch (err) {
    if (!(err instanceof errors.ResponseError && JSON.stringify(err.body ?? '').includes('resource_already_exists_exception'))) throw err;
  }
  return index;
}
