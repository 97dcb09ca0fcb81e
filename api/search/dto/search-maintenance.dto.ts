export class ReconcileCountsDto {
  /** Rows compared. */
  checked: number;
  /** Rows with no document: re-indexed. */
  missing: number;
  /** Documents whose version differs from the row's: re-indexed. */
  stale: number;
  /** Documents with no visible row: deleted. */
  extra: number;
}

export class ReconcileByKindDto {
  conversation?: ReconcileCountsDto;
  message?: ReconcileCountsDto;
  tool?: ReconcileCountsDto;
  workflow?: ReconcileCountsDto;
  user?: ReconcileCountsDto;
}

export class ReconcileRunDto {
  workflowId: string;
  /** running: it took longer than 60 s; it carries on. */
  status: 'completed' | 'running';
  byKind?: ReconcileByKindDto;
  total?: ReconcileCountsDto;
}

export class ReindexRunDto {
  workflowId: string;
  status: 'completed' | 'running';
  previousIndex?: string | null;
  index?: string;
  copied?: number;
}
