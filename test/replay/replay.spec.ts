import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import * as workflows from '../../workflows';
import { workflowsPath } from '../support/temporal-env';
import { historyFromJson } from './history-json';

// Every committed history must replay against today's workflows/: a change that would break a running
// workflow (reordered or added activity calls, new timers…) fails here; put such changes behind patched().
const dir = join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('replay of captured workflow histories', () => {
  it('has histories for every shipped workflow type and outcome', () => {
    expect(files).toEqual(expect.arrayContaining(['sendEmailWorkflow-completed.json', 'chatTurnWorkflow-completed.json', 'chatTurnWorkflow-failed.json', 'chatTurnWorkflow-cancelled.json']));
    // Tools: a run that completes, one that times out, a workflow tool; a turn and an interpreter run calling tools.
    expect(files).toEqual(expect.arrayContaining(['toolRunWorkflow-completed.json', 'toolRunWorkflow-timed-out.json', 'toolRunWorkflow-workflow-tool.json', 'chatTurnWorkflow-tool-calls.json', 'declarativeRunWorkflow-tool-node.json']));
  });

  // A new workflow must come with a captured history (test/replay/capture-*.ts), or its changes are never replay-checked.
  it('has at least one history for every workflow exported from workflows/index.ts', () => {
    const types = Object.keys(workflows).sort();
    expect(types.length).toBeGreaterThan(0);
    const missing = types.filter((type) => !files.some((f) => f.startsWith(`${type}-`)));
    expect(missing).toEqual([]);
  });

  it('replays each history deterministically', async () => {
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJson(readFileSync(join(dir, f), 'utf8')) }));
    const replayed: string[] = [];
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath, replayName: 'committed-histories' }, histories)) {
      replayed.push(result.workflowId);
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toEqual(histories.map((h) => h.workflowId));
  });
});
