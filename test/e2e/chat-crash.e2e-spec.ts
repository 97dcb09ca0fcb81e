import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api } from '../support/api-client';
import { loginAdmin, registerUser, type TestAccount } from '../support/accounts';
import { startApiProcess } from '../support/api-process';
import { sql } from '../support/db';
import { openSse, visibleText, type SseEvent } from '../support/sse-client';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';

const runDir = process.env.RUN_DIR ?? join(__dirname, '../../.run');
const WORDS = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');

function pidOf(name: string): number {
  return Number(readFileSync(join(runDir, `${name}.pid`), 'utf8').trim());
}

/** Where the first provider call runs: in the API process that accepted the turn, or in the worker. */
async function streamFromApi(admin: string, on: boolean) {
  const res = await api('PATCH', '/admin/system/config', { token: admin, body: { chatStreamFromApi: on } });
  expect(res.status).toBe(200);
  expect(res.body.settings.chatStreamFromApi).toBe(on);
}

/** Every turn completed, shows exactly the stored text, and was billed once. */
async function expectCompletedOnce(user: TestAccount, turnId: string, events: SseEvent[]) {
  expect(events[events.length - 1].event).toBe('done');
  const turn = await api('GET', `/chat/turns/${turnId}`, { token: user.accessToken });
  expect(turn.body.status).toBe('completed');
  expect(visibleText(events)).toBe(turn.body.content);
  expect(turn.body.content).toBe(WORDS);
  const usage = await sql('select count(*)::int as n from usage_records where source_id = ?', [turnId]);
  expect(usage[0].n).toBe(1);
}

/**
 * The crash contract: kill -9 whichever process streams a turn. Every turn still completes; what each
 * client shows (tokens, with `reset` dropping an interrupted attempt) is byte-identical to the stored
 * reply; usage is recorded once per turn.
 */
describe('chat turns survive a process killed mid-stream', () => {
  const llm = new StubLlmServer();
  let admin: string;
  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    admin = await loginAdmin();
  });
  afterAll(async () => {
    await streamFromApi(admin, true);
    await llm.stop();
  });

  /** Starts `turns` slow turns and SIGKILLs the worker once a few tokens of each have arrived. */
  async function killWorkerDuring(user: TestAccount, turns: number) {
    let tokensSeen = 0;
    let killed = 0;
    const victim = pidOf('worker-interactive');
    const sessions = await Promise.all(
      Array.from({ length: turns }, (_, i) =>
        openSse('/chat/stream', {
          token: user.accessToken,
          body: { message: `crash ${i}`, model: stubModel('slow-40') },
          onEvent: (e) => {
            if (e.event === 'token' && ++tokensSeen === turns * 3 && !killed) {
              process.kill(victim, 'SIGKILL');
              killed = victim;
            }
          },
        }),
      ),
    );
    const results = await Promise.all(sessions.map((s) => s.events));
    expect(killed).toBe(victim);
    // The supervisor brought a new worker up.
    expect(pidOf('worker-interactive')).not.toBe(victim);
    for (const events of results) await expectCompletedOnce(user, events[0].data.turnId, events);
    return results;
  }

  it('a worker streaming the turns: the retry resets and restarts the text', async () => {
    await streamFromApi(admin, false);
    const user = await registerUser('crash');
    const results = await killWorkerDuring(user, 4);
    // At least one turn was interrupted and restarted with an explicit reset.
    expect(results.some((events) => events.some((e) => e.event === 'reset'))).toBe(true);
  }, 90_000);

  it('the API streaming the turns: the restarted activity adopts them, nothing is repeated', async () => {
    await streamFromApi(admin, true);
    const user = await registerUser('crash-adopt');
    const results = await killWorkerDuring(user, 4);
    // The worker died, the streams did not: no text had to be restarted.
    for (const events of results) expect(events.some((e) => e.event === 'reset')).toBe(false);
  }, 90_000);

  it('the API process streaming the turns dies: the workflow takes over with a reset, clients resume elsewhere', async () => {
    await streamFromApi(admin, true);
    const user = await registerUser('crash-api');
    const doomed = await startApiProcess();
    const turns = 3;
    let tokensSeen = 0;
    let killed = false;
    const sessions = await Promise.all(
      Array.from({ length: turns }, (_, i) =>
        openSse('/chat/stream', {
          apiUrl: doomed.apiUrl,
          token: user.accessToken,
          body: { message: `api crash ${i}`, model: stubModel('slow-40') },
          onEvent: (e) => {
            if (e.event === 'token' && ++tokensSeen === turns * 3 && !killed) {
              killed = true;
              doomed.child.kill('SIGKILL');
            }
          },
        }),
      ),
    );
    await Promise.all(sessions.map((s) => s.events.catch(() => undefined)));
    expect(killed).toBe(true);

    for (const session of sessions) {
      const before = session.received;
      expect(before[0].event).toBe('turn');
      expect(before.some((e) => e.event === 'token')).toBe(true);
      const turnId = before[0].data.turnId as string;
      // The client reconnects to a live API process and resumes after the last event it saw.
      const resumed = await openSse(`/chat/turns/${turnId}/stream`, { token: user.accessToken, headers: { 'last-event-id': before[before.length - 1].id! } });
      const after = await resumed.events;
      expect(after.some((e) => e.event === 'reset' && e.data.reason === 'takeover')).toBe(true);
      const ids = [...before, ...after].map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      await expectCompletedOnce(user, turnId, [...before, ...after]);
    }
  }, 90_000);
});
