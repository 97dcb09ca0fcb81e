import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { MikroORM } from '@mikro-orm/postgresql';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createFileChunkIndexActivities } from '../../activities/files/file-chunk-index.activities';
import { createFileIngestActivities } from '../../activities/files/file-ingest.activities';
import { fileKey } from '../../shared/files/file-storage';
import type { LocalFileStorage } from '../../shared/files/local-file-storage';
import { FileChunk, FileStatus, StoredFile, User } from '../../shared/persistence/entities';
import { fileIngestWorkflow } from '../../workflows';
import { fileIngestWorkflowId } from '../../workflows/file-ingest/file-ingest.contract';
import { openStores } from '../support/chat-turn-fixtures';
import { tempFileStorage } from '../support/file-storage';
import { localTemporal, workflowsPath } from '../support/temporal-env';

// Real Temporal, the stack's Postgres, a real local file store, the worker's real ingest activities (chunk
// vectors as with SEARCH_ENGINE=postgres: no vector engine, so indexing is a no-op; e2e covers the vectors). PDFs need
// pdfjs-dist (ESM, which jest cannot require): test/e2e/files.e2e-spec.ts ingests them in the real worker.
describe('fileIngest workflow', () => {
  const taskQueue = `test-file-ingest-${randomUUID()}`;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let orm: MikroORM;
  let closeStores: () => Promise<void>;
  let storage: LocalFileStorage;
  let userId: string;

  /** A file as an upload leaves it: bytes committed under its key, a pending row. */
  async function stored(name: string, mimeType: string, bytes: Buffer): Promise<string> {
    const id = randomUUID();
    const staged = storage.stagingPath();
    await writeFile(staged, bytes);
    await storage.commit(staged, fileKey(userId, id));
    const em = orm.em.fork();
    em.create(StoredFile, { id, owner: userId, name, mimeType, sizeBytes: bytes.length, sha256: 'x'.repeat(64), storageKey: fileKey(userId, id) });
    await em.flush();
    return id;
  }

  const ingest = (fileId: string) => env.client.workflow.execute(fileIngestWorkflow, { taskQueue, workflowId: fileIngestWorkflowId(fileId), args: [{ fileId, userId }] });
  const row = (id: string) => orm.em.fork().findOne(StoredFile, { id });
  const chunks = (id: string) => orm.em.fork().find(FileChunk, { file: id }, { orderBy: { ordinal: 'asc' } });

  beforeAll(async () => {
    ({ orm, close: closeStores } = await openStores());
    storage = tempFileStorage();
    env = await localTemporal();
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities: { ...createFileIngestActivities({ orm, storage }), ...createFileChunkIndexActivities({ orm }) } });
    running = worker.run();
    const em = orm.em.fork();
    const user = em.create(User, { email: `ingest-${randomUUID()}@example.test`, name: 'Ingest spec' });
    await em.flush();
    userId = user.id;
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    if (userId) await orm.em.fork().nativeDelete(User, { id: userId });
    await closeStores?.();
  });

  it('chunks a Markdown file into file_chunks with offsets into its text, and marks it ready', async () => {
    const text = Array.from({ length: 25 }, (_, i) => `## Section ${i}\n\nThe lighthouse keeper logs storm ${i} in the ledger. Waves reach the lamp.`).join('\n\n');
    const id = await stored('log.md', 'text/markdown', Buffer.from(text));
    const result = await ingest(id);
    expect(result).toMatchObject({ fileId: id, status: 'ready', textChars: text.length, detail: null });
    const rows = await chunks(id);
    expect(rows).toHaveLength(result.chunks);
    expect(rows.length).toBeGreaterThan(2);
    for (const c of rows) expect(text.slice(c.startOffset, c.endOffset)).toBe(c.text);
    expect(await row(id)).toMatchObject({ status: FileStatus.Ready, chunkCount: rows.length, textChars: text.length, processedAt: expect.any(Date) });
  });

  it('a type without text is ready with no chunks and says why; undecodable content fails with a reason', async () => {
    const png = await stored('p.png', 'image/png', Buffer.from('89504e470d0a1a0a', 'hex'));
    expect(await ingest(png)).toMatchObject({ status: 'ready', chunks: 0, detail: 'no text is extracted from image/png' });

    // A DOCX that is no ZIP (mammoth refuses it).
    const broken = await stored('b.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', Buffer.from('not really a docx'));
    const result = await ingest(broken);
    expect(result.status).toBe('failed');
    expect(result.detail).toMatch(/could not read the application\/vnd\.openxmlformats/);
    expect(await row(broken)).toMatchObject({ status: FileStatus.Failed, statusDetail: result.detail });
  });

  it('a file deleted before ingest ends the run as gone, without retrying', async () => {
    const id = await stored('gone.txt', 'text/plain', Buffer.from('soon gone'));
    await orm.em.fork().nativeDelete(StoredFile, { id });
    expect(await ingest(id)).toMatchObject({ status: 'gone', chunks: 0 });
  });

  it('stored bytes gone missing fail the file (not retried forever)', async () => {
    const id = await stored('lost.txt', 'text/plain', Buffer.from('these bytes will vanish'));
    await storage.remove(fileKey(userId, id));
    expect(await ingest(id)).toMatchObject({ status: 'failed', detail: 'the stored bytes are missing' });
  });

  it('ingesting a file again replaces its chunks (a retried activity never duplicates them)', async () => {
    const id = await stored('once.txt', 'text/plain', Buffer.from('Only once. Really only once.'));
    await ingest(id);
    await expect(ingest(id)).resolves.toMatchObject({ status: 'ready', chunks: 1 });
    expect((await chunks(id)).map((c) => c.text)).toEqual(['Only once. Really only once.']);
  });
});
