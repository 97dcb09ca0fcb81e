import type { ToolVersion } from '../persistence/entities';
import type { ToolSpec } from '../../workflows/tool-run/tool-run.contract';

/** What a toolRun workflow needs of a tool version: pinned into the run's input. */
export function toolSpecOf(name: string, v: ToolVersion): ToolSpec {
  return {
    name,
    version: v.version,
    kind: v.kind,
    timeoutMs: v.timeoutMs,
    retry: v.retry,
    resultMaxBytes: v.resultMaxBytes,
    cacheTtlSeconds: v.cacheTtlSeconds,
    costPerCallUsd: String(Number(v.costPerCallUsd)),
    ...(v.http ? { http: v.http } : {}),
    ...(v.workflow ? { workflow: v.workflow } : {}),
  };
}
