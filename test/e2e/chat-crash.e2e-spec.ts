import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api } from '../support/api-client';
import { registerUser } from '../support/accounts';
import { sql } from '../support/db';
import { openSse, visibleText } from '../support/sse-client';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';

const runDir = process.env.RUN_DIR ?? join(__dirname, '../../.run');

function pidOf(name: string): number {
  return Number(readFileSync(join(runDir, `${name}.pid`), 'utf8').trim());
}

/**
 * The crash contract: kill -9 the interactive worker while turns stream. Every turn still
 * completes; what each client shows (tokens, with `reset` dropping an interrupted attempt) is
 * byte-identical to the stored reply; usage is recorded once per turn.
 */
describe('chat turns survive a worker killed mid-stream', () => {
  const llm = new StubLlmServer();
  beforeAll(() => llm.start(STUB_LLM_PORT));
  afterAll(() => llm.stop());

  it('completes every turn with identical text and one usage record each', async () => {
    const user = await registerUser('crash');
    const turns = 4;
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

    for (const events of results) {
      expect(events[events.length - 1].event).toBe('done');
      const turnId = events[0].data.turnId;
      const turn = await api('GET', `/chat/turns/${turnId}`, { token: user.accessToken });
      expect(turn.body.status).toBe('completed');
      expect(visibleText(events)).toBe(turn.body.content);
      expect(turn.body.content).toBe(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '));
      const usage = await sql('select count(*)::int as n from usage_records where source_id = ?', [turnId]);
      expect(usage[0].n).toBe(1);
    }
    // At least one turn was interrupted and restarted with an explicit reset.
    expect(results.some((events) => events.some((e) => e.event === 'reset'))).toBe(true);
  }, 90_000);
});
