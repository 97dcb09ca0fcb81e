import type Redis from 'ioredis';

/**
 * The first-step handoff between an API process and a chat turn's workflow.
 *
 * To take Temporal off the first-token path, the API process that accepted a plain turn (no tools,
 * hosted provider) may call the provider itself, right after storing the turn. It holds a short
 * lease while it streams, renewing it, and leaves a draft (text, usage, outcome) when it ends.
 * The turn's activity adopts that draft and records it exactly once; if the lease lapses without a
 * draft (the API process died), the activity takes the turn over with a `reset` and calls the
 * provider itself. The lease and draft live next to the turn's event stream in Redis.
 */

/** How long a silent holder keeps the turn; renewed every LEASE_RENEW_MS while streaming. */
export const LEASE_MS = 3000;
export const LEASE_RENEW_MS = 1000;

/** Published (turn id) when a draft has been written. */
export const DRAFTS_CHANNEL = 'gateway:turn-drafts';
/** Published (turn id) to stop a turn's provider call wherever it runs. */
export const ABORTS_CHANNEL = 'gateway:turn-aborts';

export interface DraftProblem {
  status: number;
  title: string;
  detail: string;
  retryable: boolean;
  type: string;
  retryAfterSeconds?: number;
}

export interface TurnDraft {
  status: 'complete' | 'failed' | 'cancelled';
  /** Index in the model's fallback chain of the candidate that produced (or failed) it. */
  candidateIndex: number;
  text: string;
  inputTokens: number;
  outputTokens: number;
  finishReason: string;
  problem?: DraftProblem;
}

export const leaseKey = (turnId: string) => `turn:{${turnId}}:lease`;
export const draftKey = (turnId: string) => `turn:{${turnId}}:draft`;

/** Takes the turn's lease if nobody holds it. */
export async function acquireLease(redis: Redis, turnId: string, holder: string): Promise<boolean> {
  return (await redis.set(leaseKey(turnId), holder, 'PX', LEASE_MS, 'NX')) === 'OK';
}

/** Extends the lease only while this holder still has it (a lapsed lease belongs to the workflow). */
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
export async function renewLease(redis: Redis, turnId: string, holder: string): Promise<boolean> {
  return (await redis.eval(RENEW_SCRIPT, 1, leaseKey(turnId), holder, LEASE_MS)) === 1;
}

// The holder's writes are fenced by the lease: once it lapsed (the workflow took the turn over), a
// late token or draft from the old holder is refused instead of corrupting the new attempt.
// The holder names its token ids itself (after the turn event's id, same millisecond, next sequence
// numbers): it can hand a token to its own clients before Redis answers, and Redis still refuses an
// id that is not after the stream's last one.
const FENCED_TOKEN = `if redis.call('GET', KEYS[2]) ~= ARGV[1] then return false end
return redis.call('XADD', KEYS[1], ARGV[2], 't', 'token', 'd', ARGV[3])`;
const FENCED_DRAFT = `if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1`;

interface FencedCommands {
  gatewayFencedToken(stream: string, lease: string, holder: string, id: string, data: string): Promise<string | null>;
  gatewayFencedDraft(draft: string, lease: string, holder: string, json: string, ttl: number, channel: string, turnId: string): Promise<number>;
}

/** The lease holder's side: token appends and the final draft, each refused once the lease is lost. */
export class LeaseHolderWrites {
  private readonly redis: Redis & FencedCommands;

  constructor(redis: Redis, private readonly holder: string) {
    redis.defineCommand('gatewayFencedToken', { numberOfKeys: 2, lua: FENCED_TOKEN });
    redis.defineCommand('gatewayFencedDraft', { numberOfKeys: 2, lua: FENCED_DRAFT });
    this.redis = redis as Redis & FencedCommands;
  }

  /** Appends a token under the id the holder chose; null when the lease is no longer ours. */
  token(streamKey: string, turnId: string, id: string, text: string): Promise<string | null> {
    return this.redis.gatewayFencedToken(streamKey, leaseKey(turnId), this.holder, id, JSON.stringify({ text }));
  }

  /** Loads the scripts up front, so no first call falls back from EVALSHA to EVAL out of order. */
  async load(): Promise<void> {
    await this.redis.script('LOAD', FENCED_TOKEN);
    await this.redis.script('LOAD', FENCED_DRAFT);
  }

  /** Writes the draft, drops the lease and tells the waiting activity; false when the lease was lost. */
  async draft(turnId: string, draft: TurnDraft, retentionSeconds: number): Promise<boolean> {
    return (await this.redis.gatewayFencedDraft(draftKey(turnId), leaseKey(turnId), this.holder, JSON.stringify(draft), retentionSeconds, DRAFTS_CHANNEL, turnId)) === 1;
  }

  /** Gives the turn up without a draft: the activity takes over at once. */
  async release(turnId: string): Promise<void> {
    await this.redis.gatewayFencedDraft(draftKey(turnId), leaseKey(turnId), this.holder, '', 0, DRAFTS_CHANNEL, turnId);
  }
}

export async function readHandoff(redis: Redis, turnId: string): Promise<{ draft: TurnDraft | null; leased: boolean }> {
  const [[, draft], [, leased]] = (await redis.multi().get(draftKey(turnId)).exists(leaseKey(turnId)).exec()) as [[null, string | null], [null, number]];
  return { draft: draft ? (JSON.parse(draft) as TurnDraft) : null, leased: leased === 1 };
}
