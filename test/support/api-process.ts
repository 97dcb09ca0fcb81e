import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from './oidc-stack';

/** A second API process from the same dist/, sharing the stack's Postgres, Redis and Temporal. */
export interface ApiProcess {
  apiUrl: string;
  child: ChildProcess;
  /** SIGTERM (graceful) by default; SIGKILL simulates a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startApiProcess(env: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [resolve(__dirname, '../../dist/api/main.js')], {
    env: { ...process.env, API_HOST: '127.0.0.1', API_PORT: String(port), PUBLIC_URL: origin, LOG_LEVEL: 'warn', API_PROCESSES: '1', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the second API process exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${origin}/api/v3/monitoring/health/live`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the second API process did not come up within 30 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    apiUrl: `${origin}/api/v3`,
    child,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((ok) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          ok();
        });
        child.kill(signal);
      });
    },
  };
}
