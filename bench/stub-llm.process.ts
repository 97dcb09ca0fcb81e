/**
 * The wire-format LLM stub in a process of its own, for bench/chat-bench.ts: sharing the load
 * generator's event loop, its 5 ms timers fired late whenever gateway events arrived, which read
 * as gateway inter-token gap. Usage: tsx bench/stub-llm.process.ts <port>; stops on SIGTERM.
 */
import { StubLlmServer } from '../test/support/stub-llm-server';

const stub = new StubLlmServer();
const port = Number(process.argv[2]);
// It keeps every request; a bench run sends thousands.
const trim = setInterval(() => (stub.requests.length = 0), 10_000);
stub.start(port).then(
  () => process.send?.('ready'),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
process.on('SIGTERM', () => {
  clearInterval(trim);
  void stub.stop().then(() => process.exit(0));
});
