/**
 * Latency-critical work in progress in this process (a provider's tokens being relayed to clients).
 * Background bookkeeping that runs on the same event loop (the audit batch append) waits for a quiet
 * moment, within a bound, rather than stalling a token mid-stream.
 */
let active = 0;

export const foregroundWork = {
  begin(): () => void {
    active++;
    let ended = false;
    return () => {
      if (!ended) active--;
      ended = true;
    };
  },
  get busy(): boolean {
    return active > 0;
  },
};
