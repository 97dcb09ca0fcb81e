/**
 * Captures tool histories into test/replay/histories/, for replay.spec.ts (the capture-histories.ts
 * pattern). With a stack up (its API has registered the built-ins) and its env exported:
 *   npx tsx test/replay/capture-tool-histories.ts
 * toolRun: a built-in that completes, an HTTP call that times out, a workflow tool (declarativeRun child);
 * chatTurn: a scripted model that calls current_time, then answers; declarativeRun: a tool node.
 */
import { randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createChatActivities } from '../../activities/chat/chat-turn.activities';
import { createEngineActivities } from '../../activities/engine/engine.activities';
import { DestinationPolicy } from '../../shared/http/destination-policy';
import { SafeHttpClient } from '../../shared/http/safe-http.client';
import { createToolRunActivities } from '../../activities/tools/tool-run.activities';
import { User, WorkflowDefinition, WorkflowDefinitionVersion } from '../../shared/persistence/entities';
import { SecretBox } from '../../shared/security/secret-box';
import { parseDefinition } from '../../shared/workflow-definitions/definition-parser';
import { chatTurnWorkflow, declarativeRunWorkflow, toolRunWorkflow } from '../../workflows';
import type { ToolSpec } from '../../workflows/tool-run/tool-run.contract';
import { openStores, scriptedCandidate, ScriptedReplyProviders, seedTurn, words } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { RecordingServer } from '../support/tool-test-servers';
import { saveHistory } from './history-json';


const tool = (over: Partial<ToolSpec>): ToolSpec => ({
  name: 'current_time',
  version: 1,
  kind: 'builtin',
  timeoutMs: 5000,
  retry: { maxAttempts: 1, initialMs: 100, coefficient: 1, maxMs: 100 },
  resultMaxBytes: 10_000,
  cacheTtlSeconds: 0,
  costPerCallUsd: '0',
  ...over,
});

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stores = await openStores();
  // Never answers: the HTTP call below times out.
  const server = await new RecordingServer(() => undefined).start();
  const env = await localTemporal();
  const providers = new ScriptedReplyProviders();
  const http = new SafeHttpClient(new DestinationPolicy([`127.0.0.1:${server.port}`]));
  const taskQueue = 'replay-capture-tools';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities: {
      ...createChatActivities({ orm: stores.orm, redis: stores.redis, providers, streamRetentionSeconds: 600, defaultMaxTokens: 256 }),
      ...createToolRunActivities({ orm: stores.orm, redis: stores.redis, secrets: new SecretBox(Buffer.alloc(32, 7).toString('base64')), http }),
      ...createEngineActivities({ orm: stores.orm, providers, http, defaultModel: 'none' }),
    },
  });
  const model = providers.chain('tools', [
    scriptedCandidate('scripted/tools', 'replay-co', async function* (req, signal) {
      const answer = req.messages.find((m) => m.role === 'tool');
      if (answer) return yield* words(['Tokyo:', answer.content.slice(0, 40)], { signal });
      yield { type: 'tool_call', call: { id: 'call_replay', name: 'current_time', arguments: '{"timezone":"Asia/Tokyo"}' } };
      yield { type: 'usage', inputTokens: 10, outputTokens: 4 };
      yield { type: 'finish', reason: 'tool_calls' };
    }),
  ]);
  const seeded = await seedTurn(stores.orm, model, 'what time is it in Tokyo?');
  const userId = seeded.userId;
  // The workflow id is the history's file name: replay.spec.ts replays under that id.
  const runTool = (name: string, spec: ToolSpec, input: Record<string, unknown>) =>
    env.client.workflow.start(toolRunWorkflow, { taskQueue, workflowId: name, args: [{ runId: randomUUID(), userId, tool: spec, input }] });

  try {
    await worker.runUntil(async () => {
      const done = await runTool('toolRunWorkflow-completed', tool({}), { timezone: 'Europe/Paris' });
      await done.result();
      await saveHistory('toolRunWorkflow-completed', done);

      const slow = await runTool('toolRunWorkflow-timed-out', tool({ name: 'replay_slow', kind: 'http', timeoutMs: 300, http: { method: 'GET', urlTemplate: `http://127.0.0.1:${server.port}/hang`, headers: {} } }), {});
      await slow.result().catch(() => undefined);
      await saveHistory('toolRunWorkflow-timed-out', slow);

      const source = 'name: Replay tool workflow\nnodes:\n  - { id: clock, type: action, kind: tool, tool: current_time, arguments: { timezone: UTC } }\n';
      const parsed = parseDefinition(source);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      const em = stores.orm.em.fork();
      const def = em.create(WorkflowDefinition, { owner: userId, name: 'Replay tool workflow', description: '' });
      em.create(WorkflowDefinitionVersion, { definition: def, version: 1, format: 'yaml', source, spec: parsed.spec });
      await em.flush();
      const wf = await runTool('toolRunWorkflow-workflow-tool', tool({ name: 'replay_wf', kind: 'workflow', workflow: { definitionId: def.id } }), {});
      await wf.result();
      await saveHistory('toolRunWorkflow-workflow-tool', wf);

      const node = await env.client.workflow.start(declarativeRunWorkflow, {
        taskQueue,
        workflowId: 'declarativeRunWorkflow-tool-node',
        args: [{ definitionId: def.id, version: 1, ownerId: userId, spec: parsed.spec, input: {}, trigger: 'manual' }],
      });
      await node.result();
      await saveHistory('declarativeRunWorkflow-tool-node', node);

      const input = { ...seeded.input, tools: ['current_time'] };
      const turn = await env.client.workflow.start(chatTurnWorkflow, { taskQueue, workflowId: 'chatTurnWorkflow-tool-calls', args: [input] });
      const result = await turn.result();
      if (result.status !== 'completed') throw new Error(`the tool turn ended ${result.status}: ${JSON.stringify(result.error)}`);
      await saveHistory('chatTurnWorkflow-tool-calls', turn);
    });
  } finally {
    await stores.orm.em.fork().nativeDelete(User, { id: userId });
    await env.teardown();
    await server.stop();
    await stores.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
