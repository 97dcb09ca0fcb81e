import { ApplicationFailure, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { FileIngestActivities } from '../../activities/files/file-ingest.activities';
import { SA } from '../../temporal/search-attributes';
import type { FileIngestInput, FileIngestResult } from './file-ingest.contract';

// Reads the file, extracts its text and stores the chunks: bounded by the upload size limit; heartbeats per page/batch.
const { extractFileChunks } = proxyActivities<FileIngestActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['FileGoneError', 'UnreadableFileError'],
  },
});

const { finishFileIngest, failFileIngest } = proxyActivities<FileIngestActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * Upload → pending; this workflow: processing → chunks in file_chunks → ready (or failed with a reason).
 * A file deleted meanwhile ends the run quietly ("gone").
 */
export async function fileIngestWorkflow(input: FileIngestInput): Promise<FileIngestResult> {
  try {
    const extracted = await extractFileChunks({ fileId: input.fileId });
    // Hook for search: embedding the chunks (shared/embeddings/embedder.ts) and writing them to the vector
    // store (shared/vectors/vector-store.ts, ids "chunk:<fileId>:<ordinal>") belongs here, as an
    // `indexFileChunks({ fileId })` activity of the search work. It does not exist yet, so nothing is indexed;
    // adding it to running workflows goes behind patched('index-file-chunks').
    const result = await finishFileIngest({ fileId: input.fileId, chunks: extracted });
    upsertSearchAttributes([{ key: SA.status, value: result.status }]);
    return result;
  } catch (err) {
    const failure = err instanceof ApplicationFailure ? err : (err as { cause?: unknown }).cause;
    if (failure instanceof ApplicationFailure && failure.type === 'FileGoneError') {
      upsertSearchAttributes([{ key: SA.status, value: 'gone' }]);
      return { fileId: input.fileId, status: 'gone', chunks: 0, textChars: 0, pageCount: null, detail: 'the file was deleted' };
    }
    const detail = failure instanceof Error ? failure.message : err instanceof Error ? err.message : String(err);
    await failFileIngest({ fileId: input.fileId, detail });
    upsertSearchAttributes([{ key: SA.status, value: 'failed' }]);
    return { fileId: input.fileId, status: 'failed', chunks: 0, textChars: 0, pageCount: null, detail };
  }
}
