import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server speaking the OpenAI chat-completions wire format (SSE with `data: {...}` chunks,
 * usage in the last chunk, `data: [DONE]`). The reply is scripted by the upstream model name:
 *   echo            "You said: <last user message>", one word per chunk
 *   slow-<ms>       like echo but with <ms> between chunks and 40 words (for stop/crash tests)
 *   quiet-<ms>      echo, after <ms> of silence before the first chunk (a slow first token)
 *   paced-<first>-<gap>  40 words: <first> ms before the first, then <gap> ms between chunks (a provider's
 *                   pace, for the benchmarks)
 *   fail-429        answers 429 with Retry-After
 *   fail-401        answers 401
 *   cite            answers from the first file excerpt in the system prompt ("[1] From …"): "[1] says: <its
 *                   first line>"; "No excerpt." without one (a reply that cites, for chat over files)
 *   tools-<name>    without a `tool` message yet: calls tool <name> (arguments = the last user message when it
 *                   is a JSON object, else {}) as OpenAI streams it (tool_calls deltas: index, id, name, the
 *                   arguments in pieces; finish_reason tool_calls); once the tool answered: "Tool <name> said: <result>"
 * POST …/embeddings answers OpenAI's embeddings format: model `embed-<dims>` (e.g. embed-16) gives each input a
 * deterministic, deliberately unnormalised vector of hashed words (texts sharing words point alike); `fail-429`
 * and `fail-401` fail as above; usage counts one token per word.
 */
export class StubLlmServer {
  private server?: Server;
  readonly requests: { model: string; messages: WireMessage[]; tools?: { type: string; function: { name: string } }[] }[] = [];
  /** Connections the server saw closed by the client before the reply ended. */
  aborted = 0;

  async start(port = 0): Promise<number> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    return (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  readonly embeddingRequests: { model: string; input: string | string[]; encoding_format?: string }[] = [];

  private async handle(req: IncomingMessage, res: ServerResponse) {
    if (req.method === 'POST' && req.url?.endsWith('/embeddings')) return this.embeddings(req, res);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw) as { model: string; messages: WireMessage[]; stream?: boolean; tools?: { type: string; function: { name: string } }[] };
    this.requests.push({ model: body.model, messages: body.messages, tools: body.tools });
    const model = body.model;
    if (model === 'fail-429') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' }).end(JSON.stringify({ error: { message: 'rate limited', type: 'rate_limit_error' } }));
      return;
    }
    if (model === 'fail-401') {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'bad key', type: 'invalid_request_error' } }));
      return;
    }
    const lastUser = [...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const toolName = /^tools-(.+)$/.exec(model)?.[1];
    const toolAnswer = body.messages.find((m) => m.role === 'tool');
    if (toolName && !toolAnswer) return this.streamToolCall(res, model, toolName, lastUser);
    const slow = /^slow-(\d+)$/.exec(model);
    const paced = /^paced-(\d+)-(\d+)$/.exec(model);
    const reply = toolName ? `Tool ${toolName} said: ${toolAnswer!.content}` : model === 'cite' ? citingReply(body.messages) : `You said: ${lastUser}`;
    const words = slow || paced ? Array.from({ length: 40 }, (_, i) => `w${i}`) : reply.split(' ');
    const delay = slow ? Number(slow[1]) : paced ? Number(paced[2]) : 0;
    const firstDelay = paced ? Number(paced[1]) : 0;
    const id = `chatcmpl-${Date.now()}`;
    const chunk = (delta: object, finish: string | null = null, usage?: object) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;

    if (!body.stream) {
      const text = words.join(' ');
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ id, object: 'chat.completion', model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: words.length, total_tokens: 10 + words.length } }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let closed = false;
    res.on('close', () => {
      if (!res.writableEnded) {
        closed = true;
        this.aborted++;
      }
    });
    const quiet = /^quiet-(\d+)$/.exec(model);
    if (quiet) await new Promise((r) => setTimeout(r, Number(quiet[1])));
    res.write(chunk({ role: 'assistant', content: '' }));
    for (let i = 0; i < words.length && !closed; i++) {
      const wait = i === 0 && firstDelay ? firstDelay : delay;
      if (wait) await new Promise((r) => setTimeout(r, wait));
      res.write(chunk({ content: (i ? ' ' : '') + words[i] }));
    }
    if (closed) return;
    res.write(chunk({}, 'stop'));
    res.write(chunk({}, null, { prompt_tokens: 10, completion_tokens: words.length, total_tokens: 10 + words.length }));
    res.end('data: [DONE]\n\n');
  }

  private async embeddings(req: IncomingMessage, res: ServerResponse) {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw) as { model: string; input: string | string[]; encoding_format?: string };
    this.embeddingRequests.push(body);
    if (body.model === 'fail-429' || body.model === 'fail-401') {
      const status = body.model === 'fail-429' ? 429 : 401;
      res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after': '7' } : {}) }).end(JSON.stringify({ error: { message: status === 429 ? 'rate limited' : 'bad key' } }));
      return;
    }
    const dims = Number(/^embed-(\d+)$/.exec(body.model)?.[1] ?? 8);
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    let tokens = 0;
    const data = inputs.map((text, index) => {
      const words = text.toLowerCase().split(/\W+/).filter(Boolean);
      tokens += words.length;
      const embedding = new Array<number>(dims).fill(0.01);
      for (const word of words) embedding[[...word].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_003, 7) % dims] += 3;
      return { object: 'embedding', index, embedding };
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }));
  }

  private streamToolCall(res: ServerResponse, model: string, name: string, lastUser: string) {
    let args = '{}';
    try {
      const parsed: unknown = JSON.parse(lastUser);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) args = JSON.stringify(parsed);
    } catch {
      // Not JSON: the call takes no arguments.
    }
    const id = `chatcmpl-${Date.now()}`;
    const callId = `call_${Math.random().toString(36).slice(2, 12)}`;
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: callId, type: 'function', function: { name, arguments: '' } }] }));
    for (let i = 0; i < args.length; i += 5) res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 5) } }] }));
    res.write(chunk({}, 'tool_calls'));
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model, choices: [], usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } })}\n\n`);
    res.end('data: [DONE]\n\n');
  }
}

function citingReply(messages: WireMessage[]): string {
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  const excerpt = /\[1\] From [^\n]*\n([^\n]*)/.exec(system)?.[1];
  return excerpt ? `[1] says: ${excerpt.trim()}` : 'No excerpt.';
}

interface WireMessage {
  role: string;
  content: string | null;
  tool_call_id?: string;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
}
