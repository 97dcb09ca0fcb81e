import 'reflect-metadata';
import cluster from 'node:cluster';
import { AppConfig, loadConfig } from '../shared/config/app-config';
import { apiProcessCount, runApiCluster } from './api-cluster';

/**
 * The API's entry point. With API_PROCESSES above 1 (the default is one per core) this process is a
 * small primary that forks the API processes, all serving one port, and replaces any that dies;
 * it never loads the application itself.
 */
async function bootstrap() {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const processes = apiProcessCount(config.API_PROCESSES);
  if (cluster.isPrimary && processes > 1) return runApiCluster(processes);
  const { createApp } = await import('./app.factory');
  const app = await createApp(config);
  await app.listen({ port: config.API_PORT, host: config.API_HOST });
}

if (require.main === module) void bootstrap();
