/** Contract of the fileIngest workflow, shared by the API (start on upload) and the worker. */
export interface FileIngestInput {
  fileId: string;
  /** Owner (search attribute; the activities read the file by id). */
  userId: string;
  requestId?: string;
}

/** What extraction and chunking produced; the text itself stays in Postgres, out of history. */
export interface FileIngestResult {
  fileId: string;
  status: 'ready' | 'failed' | 'gone';
  chunks: number;
  textChars: number;
  pageCount: number | null;
  detail: string | null;
}

export const FILE_INGEST_WORKFLOW = 'fileIngestWorkflow';

/** One ingest per file: a second start for the same upload is a no-op. */
export function fileIngestWorkflowId(fileId: string): string {
  return `file-ingest:${fileId}`;
}
