import { ApplicationFailure, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { FileIngestActivities } from '../../activities/files/file-ingest.activities';
import type { FileChunkIndexActivities } from '../../activities/files/file-chunk-index.activities';
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

// Embeds every chunk (the local model: ~10 ms a chunk on 2 cores) and writes the vectors; heartbeats per batch.
const { indexFileChunks } = proxyActivities<FileChunkIndexActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

const { finishFileIngest, failFileIngest } = proxyActivities<FileIngestActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * Upload → pending; this workflow: processing → chunks in file_chunks → their vectors → ready (or failed with a reason).
 * A file deleted meanwhile ends the run quietly ("gone").
 */
export async function fileIngestWorkflow(input: FileIngestInput): Promise<FileIngestResult> {
  try {
    const extracted = await extractFileChunks({ fileId: input.fileId });
    // Vectors before `ready`, so a chat right after finds the file semantically too. A vector engine that
    // stays down does not fail the file: it is ready for lexical retrieval, and the detail says so.
    let chunks = extracted;
    if (extracted.chunks > 0) {
      try {
        await indexFileChunks({ fileId: input.fileId });
      } catch {
        chunks = { ...extracted, detail: [extracted.detail, 'not indexed for semantic retrieval (vector store unavailable)'].filter(Boolean).join('; ') };
      }
    }
    const result = await finishFileIngest({ fileId: input.fileId, chunks });
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
