/** Where the stack under test is; `./dev test` exports these for the stack it started. */
export const stack = {
  apiUrl: `http://${process.env.API_HOST ?? '127.0.0.1'}:${process.env.API_PORT ?? '3000'}/api/v3`,
  mailApiUrl: process.env.MAIL_API_URL ?? 'http://127.0.0.1:1080',
  databaseUrl: process.env.DATABASE_URL ?? 'postgresql://gateway:gateway@127.0.0.1:5433/gateway',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6380/0',
  temporalAddress: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  adminEmail: process.env.ADMIN_EMAIL ?? 'admin@localhost.localdomain',
  adminPassword: process.env.ADMIN_PASSWORD ?? '',
  temporalCli: process.env.TEMPORAL_CLI ?? '.tools/bin/temporal',
  temporalTestServer: process.env.TEMPORAL_TEST_SERVER ?? '.tools/bin/temporal-test-server',
};
