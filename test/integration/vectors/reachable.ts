import { spawnSync } from 'node:child_process';

/** Whether a URL answers 2xx, decided synchronously (jest chooses describe or describe.skip while collecting tests). */
export function reachable(url: string, timeoutMs = 3000): boolean {
  const script = `fetch(process.argv[1], { signal: AbortSignal.timeout(${timeoutMs}) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
  const result = spawnSync(process.execPath, ['-e', script, url], { timeout: timeoutMs + 2000, stdio: 'ignore' });
  return result.status === 0;
}
