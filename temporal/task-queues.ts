/**
 * Task-queue families. A worker process serves the families named in WORKER_QUEUES, so one
 * image scales per queue. Queue names carry a prefix so two stacks can share one server.
 */
export const QUEUE_FAMILIES = {
  /** Latency-sensitive: chat turns, tool runs, approvals. */
  interactive: 'interactive',
  /** Throughput: notifications, webhooks, syncs, billing, indexing, exports. */
  background: 'background',
} as const;

export type QueueFamily = keyof typeof QUEUE_FAMILIES;

export function taskQueue(prefix: string, family: QueueFamily): string {
  return `${prefix}-${QUEUE_FAMILIES[family]}`;
}

export function parseQueueFamilies(value: string): QueueFamily[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(n in QUEUE_FAMILIES)) throw new Error(`WORKER_QUEUES: unknown queue family "${n}" (known: ${Object.keys(QUEUE_FAMILIES).join(', ')})`);
  }
  return names as QueueFamily[];
}
