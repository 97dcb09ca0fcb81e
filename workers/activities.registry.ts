import { MikroORM } from '@mikro-orm/postgresql';
import Redis from 'ioredis';
import { createTransport } from 'nodemailer';
import { createAuditRecordActivities } from '../activities/audit/audit-record.activities';
import { createAuditReportActivities } from '../activities/audit/audit-report.activities';
import { createAuditRetentionActivities } from '../activities/audit/audit-retention.activities';
import { createBillingCycleActivities } from '../activities/billing/billing-cycle.activities';
import { createApprovalActivities } from '../activities/approvals/approval.activities';
import { createChatActivities } from '../activities/chat/chat-turn.activities';
import { createTurnSweeperActivities, temporalWorkflowState } from '../activities/chat/turn-sweeper.activities';
import { Client } from '@temporalio/client';
import { boundedTemporalConnection } from '../temporal/temporal-connection';
import { createReplyProviders } from '../shared/chat/llm-reply-providers';
import { TurnHandoffWaiter } from '../activities/chat/turn-handoff-waiter';
import { createSummarizeActivities } from '../activities/chat/summarize.activities';
import { createProviders } from '../shared/llm/provider.factory';
import { createEmailActivities } from '../activities/notifications/email.activities';
import { createNotificationActivities } from '../activities/notifications/notification.activities';
import { createUserErasureActivities } from '../activities/privacy/user-erasure.activities';
import { createUserExportActivities } from '../activities/privacy/user-export.activities';
import { createWebhookActivities } from '../activities/webhooks/webhook.activities';
import { createEngineActivities } from '../activities/engine/engine.activities';
import { createFileIngestActivities } from '../activities/files/file-ingest.activities';
import { createFileChunkIndexActivities } from '../activities/files/file-chunk-index.activities';
import { createFileStorage } from '../shared/files/file-storage.factory';
import { configuredProviderNames } from '../shared/llm/provider.factory';
import { defaultModelId } from '../shared/domain/model-registry';
import { DestinationPolicy } from '../shared/http/destination-policy';
import { SafeHttpClient } from '../shared/http/safe-http.client';
import { createToolRunActivities } from '../activities/tools/tool-run.activities';
import { anchorKeyFrom } from '../shared/audit/audit-hash';
import { pseudonymKeyFrom } from '../shared/audit/audit-pii';
import { createStripe } from '../shared/billing/stripe-client';
import type { AppConfig } from '../shared/config/app-config';
import { mikroOrmConfig } from '../shared/persistence/mikro-orm.config';
import { SecretBox } from '../shared/security/secret-box';
import { createElasticsearchClient } from '../shared/search/elasticsearch';
import { SearchVectorWriter } from '../shared/search/search-vectors';
import { createEmbedder } from '../shared/embeddings/embedder.factory';
import { createVectorStore } from '../shared/vectors/vector-store.factory';
import { ElasticsearchVectorStore } from '../shared/vectors/elasticsearch-vector-store';
import { createSearchIndexingActivities } from '../activities/search/search-indexing.activities';
import { createSearchMaintenanceActivities } from '../activities/search/search-maintenance.activities';

/** Every activity implementation, built over this process's dependencies; `close` releases them. */
export async function buildActivities(config: AppConfig) {
  const transport = createTransport(config.SMTP_URL, { pool: true, maxConnections: 2 } as never);
  const orm = await MikroORM.init(mikroOrmConfig(config));
  const redis = new Redis(config.REDIS_URL, { connectionName: 'gateway-worker', maxRetriesPerRequest: 3, enableAutoPipelining: true });
  const providers = createReplyProviders(createProviders(config));
  const handoff = new TurnHandoffWaiter(redis);
  // The turn sweeper asks Temporal whether a turn's workflow exists (a client beside the worker's connection).
  const temporalConnection = boundedTemporalConnection(config.TEMPORAL_ADDRESS);
  const temporal = new Client({ connection: temporalConnection, namespace: config.TEMPORAL_NAMESPACE });
  // Indexer bulk writes may take longer than a search: a wider request timeout.
  const es = createElasticsearchClient(config.ELASTICSEARCH_URL, 60_000);
  // Vectors for semantic/hybrid search: the configured embedder, Qdrant if QDRANT_URL is set, else Elasticsearch.
  const vectorStore = config.QDRANT_URL ? createVectorStore(config) : new ElasticsearchVectorStore({ client: es });
  // One embedder per process (the local model loads once, lazily), for search documents and file chunks.
  // No Redis cache here: indexed texts are nearly all distinct, and their vectors would only fill Redis.
  const embedder = createEmbedder(config);
  const vectorWriter = new SearchVectorWriter(embedder, vectorStore);
  const search = { orm, es, indexPrefix: config.SEARCH_INDEX_PREFIX };
  const fileStorage = createFileStorage(config);
  // Without a vector engine (SEARCH_ENGINE=postgres and no Qdrant) chat over files retrieves lexically only.
  const semantic = config.SEARCH_ENGINE === 'postgres' && !config.QDRANT_URL ? undefined : { embedder, vectors: vectorStore };
  const activities = {
    ...createEmailActivities({ transport, from: config.MAIL_FROM }),
    ...createNotificationActivities({ orm, redis }),
    ...createApprovalActivities({ orm }),
    ...createChatActivities({
      orm,
      redis,
      providers,
      handoff,
      streamRetentionSeconds: config.CHAT_STREAM_RETENTION_SECONDS,
      defaultMaxTokens: config.CHAT_DEFAULT_MAX_TOKENS,
      semantic,
    }),
    ...createTurnSweeperActivities({ orm, redis, streamRetentionSeconds: config.CHAT_STREAM_RETENTION_SECONDS, workflowState: temporalWorkflowState(temporal) }),
    ...createSummarizeActivities({ orm, providers }),
    ...createEngineActivities({ orm, providers, http: new SafeHttpClient(DestinationPolicy.fromEnv(config.TOOL_HTTP_ALLOW_HOSTS)), defaultModel: defaultModelId(configuredProviderNames(config)) }),
    ...createUserExportActivities({ orm, storage: fileStorage }),
    ...createFileIngestActivities({ orm, storage: fileStorage }),
    ...createFileChunkIndexActivities({ orm, semantic }),
    ...createUserErasureActivities({ orm, redis, storage: fileStorage, vectors: semantic?.vectors, pseudonymKey: pseudonymKeyFrom(config.DATA_ENCRYPTION_KEY), anchorKey: anchorKeyFrom(config.DATA_ENCRYPTION_KEY), ...(config.SEARCH_ENGINE === 'elasticsearch' ? { search: { ...search, vectors: vectorStore } } : {}) }),
    ...createToolRunActivities({ orm, redis, secrets: new SecretBox(config.DATA_ENCRYPTION_KEY), http: new SafeHttpClient(DestinationPolicy.fromEnv(config.TOOL_HTTP_ALLOW_HOSTS)) }),
    ...createAuditRecordActivities({ orm }),
    ...createAuditReportActivities({ orm }),
    ...createAuditRetentionActivities({ orm, retentionDays: config.AUDIT_RETENTION_DAYS, anchorKey: anchorKeyFrom(config.DATA_ENCRYPTION_KEY) }),
    ...createBillingCycleActivities({ orm, stripe: createStripe(config) }),
    ...createSearchIndexingActivities({ ...search, vectors: vectorWriter }),
    ...createSearchMaintenanceActivities(search),
    ...createWebhookActivities({ orm, secrets: new SecretBox(config.DATA_ENCRYPTION_KEY), http: new SafeHttpClient(DestinationPolicy.fromEnv(config.TOOL_HTTP_ALLOW_HOSTS)) }),
  };
  const close = async () => {
    transport.close();
    handoff.close();
    await es.close().catch(() => undefined);
    await temporalConnection.close().catch(() => undefined);
    redis.disconnect();
    await orm.close(true);
  };
  return { activities, close };
}
