/**
 * Captures the fileIngest workflow's histories into test/replay/histories/, for replay.spec.ts.
 * Run on demand, with a stack up and its env exported (like capture-privacy-histories.ts):
 *   eval "$(./dev env)" && npx tsx test/replay/capture-file-ingest-histories.ts
 * A throw-away Temporal server, the stack's Postgres and a temporary local file store: a spec user's files are
 * ingested to ready, to failed (bytes that do not decode) and to gone (deleted first); the user is then removed.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createFileChunkIndexActivities } from '../../activities/files/file-chunk-index.activities';
import { createFileIngestActivities } from '../../activities/files/file-ingest.activities';
import { fileKey } from '../../shared/files/file-storage';
import { StoredFile, User } from '../../shared/persistence/entities';
import { fileIngestWorkflow } from '../../workflows';
import { fileIngestWorkflowId } from '../../workflows/file-ingest/file-ingest.contract';
import { openStores } from '../support/chat-turn-fixtures';
import { tempFileStorage } from '../support/file-storage';
import { localTemporal, workflowsPath } from '../support/temporal-env';
import { saveHistory } from './history-json';

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stores = await openStores();
  const storage = tempFileStorage();
  const env = await localTemporal();
  const taskQueue = 'replay-capture-file-ingest';
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities: { ...createFileIngestActivities({ orm: stores.orm, storage }), ...createFileChunkIndexActivities({ orm: stores.orm }) } });
  const em = stores.orm.em.fork();
  const user = em.create(User, { email: `replay-ingest-${randomUUID()}@example.test`, name: 'Replay capture' });
  await em.flush();

  const stored = async (name: string, mimeType: string, bytes: Buffer) => {
    const id = randomUUID();
    const staged = storage.stagingPath();
    await writeFile(staged, bytes);
    await storage.commit(staged, fileKey(user.id, id));
    await stores.orm.em.fork().insert(StoredFile, { id, owner: user.id, name, mimeType, sizeBytes: bytes.length, sha256: '0'.repeat(64), storageKey: fileKey(user.id, id), createdAt: new Date(), updatedAt: new Date() });
    return id;
  };
  const run = async (fileId: string, name: string) => {
    const handle = await env.client.workflow.start(fileIngestWorkflow, { taskQueue, workflowId: fileIngestWorkflowId(fileId), args: [{ fileId, userId: user.id }] });
    await handle.result();
    await saveHistory(name, handle);
  };
  try {
    await worker.runUntil(async () => {
      await run(await stored('notes.md', 'text/markdown', Buffer.from('# Notes\n\nOne sentence. Another sentence.')), 'fileIngestWorkflow-ready');
      await run(await stored('bad.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', Buffer.from('not a zip')), 'fileIngestWorkflow-failed');
      const gone = await stored('gone.txt', 'text/plain', Buffer.from('deleted before ingest'));
      await stores.orm.em.fork().nativeDelete(StoredFile, { id: gone });
      await run(gone, 'fileIngestWorkflow-gone');
    });
  } finally {
    await stores.orm.em.fork().nativeDelete(User, { id: user.id });
    await env.teardown();
    await stores.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
