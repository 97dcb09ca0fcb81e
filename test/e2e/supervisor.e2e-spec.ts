import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Runs `./dev _supervise` over a child command for `ms`, and returns the restart numbers it logged. */
async function restartsLogged(child: string, ms: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'supervise-'));
  const sup = spawn(resolve(__dirname, '../../dev'), ['_supervise', 'spec-child', 'sh', '-c', child], {
    env: { ...process.env, STACK: 'spec', RUN_DIR: dir, DATA_DIR: dir, SUPERVISE_HEALTHY_SECONDS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  sup.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise((r) => setTimeout(r, ms));
  const exited = new Promise((r) => sup.once('exit', r));
  sup.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
  return [...out.matchAll(/restart #(\d+)/g)].map((m) => Number(m[1]));
}

// The dev script's supervisor: 1 s between the first 5 restarts in a row, then 5 s; a child that ran
// for SUPERVISE_HEALTHY_SECONDS was healthy, so its crash starts the count afresh.
describe('./dev _supervise back-off', () => {
  it('resets after a healthy run: a child that crashes after running a while is always restart #1', async () => {
    const restarts = await restartsLogged('sleep 1.2; exit 3', 7_000);
    expect(restarts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(restarts)).toEqual(new Set([1]));
  }, 20_000);

  it('still backs off a child that crashes at once', async () => {
    const restarts = await restartsLogged('exit 3', 4_500);
    expect(restarts.slice(0, 3)).toEqual([1, 2, 3]);
  }, 20_000);
});
