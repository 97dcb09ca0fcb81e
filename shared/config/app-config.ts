import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;

/**
 * Every setting the API and the workers read, validated once at boot.
 * Names are the environment variables; `./dev up` exports sensible local values.
 */
export class AppConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @IsString()
  API_HOST = '127.0.0.1';

  @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  API_PORT = 3000;

  /** API processes serving API_PORT (a Node cluster); 0: one per core, at most 8. */
  @Type(() => Number) @IsInt() @Min(0) @Max(64)
  API_PROCESSES = 0;

  @IsString()
  PUBLIC_URL = 'http://127.0.0.1:3000';

  /** Proxies whose X-Forwarded-For is believed (Fastify trustProxy): "false", "true", or a list of addresses. */
  @IsString()
  TRUST_PROXY = 'false';

  @IsString() @MinLength(1)
  DATABASE_URL: string;

  @Type(() => Number) @IsInt() @Min(1)
  DATABASE_POOL_MAX = 20;

  @IsString() @MinLength(1)
  REDIS_URL: string;

  @IsString() @MinLength(1)
  TEMPORAL_ADDRESS: string;

  @IsString()
  TEMPORAL_NAMESPACE = 'default';

  @IsString()
  TEMPORAL_TASK_QUEUE_PREFIX = 'gateway';

  /** Which task-queue families this worker process serves: interactive, background (comma-separated). */
  @IsString()
  WORKER_QUEUES = 'interactive,background';

  @IsString() @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET: string;

  /** 32 bytes, base64: encrypts secrets at rest (MFA seeds). */
  @IsString() @MinLength(40, { message: 'DATA_ENCRYPTION_KEY must be 32 random bytes in base64' })
  DATA_ENCRYPTION_KEY: string;

  @Type(() => Number) @IsInt() @Min(60) @Max(86400)
  ACCESS_TOKEN_TTL_SECONDS = 900;

  @Type(() => Number) @IsInt() @Min(1) @Max(365)
  REFRESH_TOKEN_TTL_DAYS = 30;

  @Type(() => Number) @IsInt() @Min(1)
  EMAIL_VERIFICATION_TTL_HOURS = 48;

  @Type(() => Number) @IsInt() @Min(1)
  PASSWORD_RESET_TTL_MINUTES = 30;

  /** Failed logins per account before 429, within LOGIN_RATE_LIMIT_WINDOW_SECONDS. */
  @Type(() => Number) @IsInt() @Min(1)
  LOGIN_RATE_LIMIT_PER_ACCOUNT = 10;

  /** Login attempts per client IP within the window. */
  @Type(() => Number) @IsInt() @Min(1)
  LOGIN_RATE_LIMIT_PER_IP = 50;

  @Type(() => Number) @IsInt() @Min(1)
  LOGIN_RATE_LIMIT_WINDOW_SECONDS = 900;

  @Type(() => Number) @IsInt() @Min(1024)
  BODY_LIMIT_BYTES = 1_048_576;

  @IsString()
  SMTP_URL = 'smtp://127.0.0.1:1025';

  @IsEmail()
  MAIL_FROM = 'gateway@localhost.localdomain';

  /** JSON list of generic OIDC providers: [{"name","displayName","issuer","clientId","clientSecret","scopes"}]. */
  @IsString()
  OIDC_PROVIDERS = '[]';

  @IsOptional() @IsEmail()
  ADMIN_EMAIL?: string;

  @IsOptional() @IsString() @MinLength(12, { message: 'ADMIN_PASSWORD must be at least 12 characters' })
  ADMIN_PASSWORD?: string;

  /** Reply length cap when a chat request names none. */
  @Type(() => Number) @IsInt() @Min(1) @Max(32_768)
  CHAT_DEFAULT_MAX_TOKENS = 1024;

  /** How long a turn's token stream stays replayable (Last-Event-ID), in seconds. */
  @Type(() => Number) @IsInt() @Min(60)
  CHAT_STREAM_RETENTION_SECONDS = 21_600;

  /** Tool rounds one chat turn may take before it ends with a "Tool step limit reached" error. */
  @Type(() => Number) @IsInt() @Min(0) @Max(50)
  CHAT_MAX_TOOL_STEPS = 5;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @Transform(toBool) @IsBoolean()
  SWAGGER_ENABLED = true;

  /** The Temporal Web UI, linked from the web console; unset: no link. */
  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'TEMPORAL_UI_URL must be an http(s) URL' })
  TEMPORAL_UI_URL?: string;

  /** Audit events older than this are deleted daily; the last one deleted becomes the chain's signed anchor. */
  @Type(() => Number) @IsInt() @Min(1)
  AUDIT_RETENTION_DAYS = 365;

  /** Hosts tool HTTP calls may reach although they are private (`host` or `host:port`, comma-separated); everything else must be public. */
  @IsString()
  TOOL_HTTP_ALLOW_HOSTS = '';

  /** An OpenAI-compatible endpoint (vLLM, Ollama, LM Studio…); with only OPENAI_API_KEY set, OpenAI itself. */
  @IsOptional() @IsString()
  OPENAI_COMPATIBLE_BASE_URL?: string;

  @IsOptional() @IsString()
  OPENAI_API_KEY?: string;

  @IsOptional() @IsString()
  OPENROUTER_API_KEY?: string;

  @IsString()
  OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';

  @IsOptional() @IsString()
  ANTHROPIC_API_KEY?: string;

  @IsString()
  ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

  /** The offline model `./dev install` puts in place; relative paths are from the working directory. */
  @IsString()
  LOCAL_MODEL_PATH = '.tools/models/smollm2-135m-instruct-q4_1.gguf';

  /** CPU threads for the local model; llama.cpp degrades sharply when its threads outnumber idle cores. */
  @Type(() => Number) @IsInt() @Min(1) @Max(64)
  LOCAL_MODEL_THREADS = 1;

  /** Local generations run at once, each on its own sequence (KV cache) of the model's context. */
  @Type(() => Number) @IsInt() @Min(1) @Max(64)
  LOCAL_MODEL_PARALLEL = 2;

  /** Local generations that may wait for a free sequence, first come first served; more get a 429 at once. */
  @Type(() => Number) @IsInt() @Min(0) @Max(10_000)
  LOCAL_MODEL_MAX_QUEUED = 16;

  /** How long a local generation may wait in that queue before the turn fails with a 429. */
  @Type(() => Number) @IsInt() @Min(1) @Max(3600)
  LOCAL_MODEL_MAX_QUEUE_WAIT_SECONDS = 60;

  /** Elasticsearch (full-text search and the default vector store); `./dev` starts one and sets this. */
  @IsOptional() @IsString()
  ELASTICSEARCH_URL?: string;

  /** Qdrant's REST URL: when set, vectors live in Qdrant instead of Elasticsearch. */
  @IsOptional() @IsString()
  QDRANT_URL?: string;

  @IsOptional() @IsString()
  QDRANT_API_KEY?: string;

  /** `local`: the bundled ONNX sentence model (offline). `openai`: the OpenAI-compatible provider's /embeddings. */
  @IsIn(['local', 'openai'])
  EMBEDDING_PROVIDER: 'local' | 'openai' = 'local';

  /** The local embedding model's folder (`./dev install` puts it there); relative paths are from the working directory. */
  @IsString()
  EMBEDDING_MODEL_PATH = '.tools/models/all-minilm-l6-v2-q';

  /** ONNX Runtime threads of the local embedder: one leaves the second core to the rest of the stack. */
  @Type(() => Number) @IsInt() @Min(1) @Max(64)
  EMBEDDING_THREADS = 1;

  /** With EMBEDDING_PROVIDER=openai: the provider's embedding model and the length of its vectors. */
  @IsString()
  EMBEDDING_OPENAI_MODEL = 'text-embedding-3-small';

  @Type(() => Number) @IsInt() @Min(1) @Max(8192)
  EMBEDDING_OPENAI_DIMENSIONS = 1536;

  /** How long embeddings stay cached in Redis by (model, sha256 of the text); 0 turns the cache off. */
  @Type(() => Number) @IsInt() @Min(0) @Max(365 * 24 * 3600)
  EMBEDDING_CACHE_TTL_SECONDS = 30 * 24 * 3600;

  /** POST /embeddings limits: inputs per request and characters per input (413 beyond). */
  @Type(() => Number) @IsInt() @Min(1) @Max(2048)
  EMBEDDINGS_MAX_INPUTS = 128;

  @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000)
  EMBEDDINGS_MAX_INPUT_CHARS = 16_384;

  /** Stripe's API (stripe-mock locally: `./dev` points this at it). */
  @IsString()
  STRIPE_API_BASE = 'https://api.stripe.com';

  /** Empty: the Stripe routes answer 503. */
  @IsString()
  STRIPE_SECRET_KEY = '';

  /** Signing secret of the webhook endpoint (`whsec_…`); empty: webhooks are refused. */
  @IsString()
  STRIPE_WEBHOOK_SECRET = '';

  /** How often each customer's billing cycle runs: `monthly` (UTC calendar) or a duration such as `30s` (tests). */
  @Matches(/^(monthly|\d+\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?))$/)
  BILLING_CYCLE_INTERVAL = 'monthly';

  /** Search engine: Elasticsearch (full-text, fuzzy, suggestions, vectors) or Postgres full-text (a light stack). */
  @IsIn(['elasticsearch', 'postgres'])
  SEARCH_ENGINE: 'elasticsearch' | 'postgres' = 'elasticsearch';

  /** Name prefix of the search indices and aliases (`<prefix>-search` → `<prefix>-search-v<n>`). */
  @Matches(/^[a-z][a-z0-9-]{0,40}$/)
  SEARCH_INDEX_PREFIX = 'gw';

  /** Trending shows a query only once this many distinct users issued it (never one user's private text). */
  @Type(() => Number) @IsInt() @Min(2) @Max(1000)
  SEARCH_TRENDING_MIN_USERS = 3;

  /** How often the reconciliation schedule compares Postgres and the index. */
  @Type(() => Number) @IsInt() @Min(10) @Max(86400)
  SEARCH_RECONCILE_EVERY_SECONDS = 3600;

  /** The stack's data directory (`./dev` exports it); uploaded files live under `<DATA_DIR>/files` unless FILE_STORAGE_DIR says otherwise. */
  @IsString() @MinLength(1)
  DATA_DIR = '.data/dev';

  /** Where uploaded files are kept: `local` (FILE_STORAGE_DIR) or `s3` (not built yet: refused at boot). */
  @IsIn(['local'], { message: 'FILE_STORAGE must be "local" (an S3-compatible backend is not implemented yet)' })
  FILE_STORAGE = 'local' as const;

  /** Directory of the local file store; default `<DATA_DIR>/files`. */
  @IsOptional() @IsString() @MinLength(1)
  FILE_STORAGE_DIR?: string;

  /** Largest file one upload may carry, in bytes (413 above it). */
  @Type(() => Number) @IsInt() @Min(1) @Max(10 * 1024 ** 3)
  FILE_MAX_BYTES = 26_214_400;

  /** Files one upload request may carry (413 above it). */
  @Type(() => Number) @IsInt() @Min(1) @Max(100)
  FILE_MAX_PER_UPLOAD = 10;

  /** Bytes of files each user may keep (413 when an upload would go past it). */
  @Type(() => Number) @IsInt() @Min(1)
  FILE_USER_QUOTA_BYTES = 1_073_741_824;

  /** Longest lifetime of a file share link, in seconds (default 30 days). */
  @Type(() => Number) @IsInt() @Min(60)
  FILE_SHARE_MAX_TTL_SECONDS = 2_592_000;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map((msg) =>
      e.value === undefined ? `${e.property} is missing (${msg})` : `${e.property}: ${msg}`,
    ),
  );
}

// Declared without a default, so absent from `new AppConfig()`'s own keys.
const REQUIRED_KEYS = ['DATABASE_URL', 'REDIS_URL', 'TEMPORAL_ADDRESS', 'JWT_SECRET', 'DATA_ENCRYPTION_KEY'];
const OPTIONAL_KEYS = ['FILE_STORAGE_DIR', 'TEMPORAL_UI_URL', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'OPENAI_COMPATIBLE_BASE_URL', 'OPENAI_API_KEY', 'OPENROUTER_API_KEY', 'ANTHROPIC_API_KEY', 'ELASTICSEARCH_URL', 'QDRANT_URL', 'QDRANT_API_KEY'];

/** Validates the environment; throws one error naming every missing or invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const keys = [...Object.keys(new AppConfig()), ...REQUIRED_KEYS, ...OPTIONAL_KEYS];
  const raw: Record<string, unknown> = {};
  for (const key of keys) if (env[key] !== undefined && env[key] !== '') raw[key] = env[key];
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config);
  if (errors.length) throw new ConfigValidationError(describe(errors));
  return config;
}
