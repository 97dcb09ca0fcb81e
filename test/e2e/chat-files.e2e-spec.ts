import { api } from '../support/api-client';
import { registerUser, TestAccount } from '../support/accounts';
import { ingested, pdfOf, uploadFiles } from '../support/file-uploads';
import { openSse, visibleText } from '../support/sse-client';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';

// Three pages on unrelated subjects, each long enough to be a chunk of its own.
const filler = (topic: string) => ` This paragraph continues about ${topic} with ordinary prose that adds context and length but no new facts.`.repeat(6);
const PAGES = [
  `The Orion project has a budget of 4.2 million euros for the year.${filler('the Orion budget')}`,
  `The Zephyr reactor cools its core with molten fluoride salt and runs at 700 degrees Celsius.${filler('the Zephyr reactor')}`,
  `The staff cafeteria opens at half past seven and closes at three in the afternoon.${filler('the cafeteria hours')}`,
];

describe('chat over files: a turn retrieves from the attached files and cites them', () => {
  const llm = new StubLlmServer();
  let alice: TestAccount;
  let bob: TestAccount;
  let fileId: string;

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    [alice, bob] = await Promise.all([registerUser('grounded-alice'), registerUser('grounded-bob')]);
    const up = await uploadFiles(alice.accessToken, [{ name: 'zephyr-handbook.pdf', data: await pdfOf(PAGES), type: 'application/pdf' }]);
    expect(up.status).toBe(201);
    fileId = up.body.items[0].id;
    const meta = await ingested(alice.accessToken, fileId);
    expect(meta).toMatchObject({ status: 'ready' });
    expect(meta.chunkCount).toBeGreaterThanOrEqual(2);
  });
  afterAll(() => llm.stop());

  async function conversationWithFile(owner: TestAccount): Promise<string> {
    const conv = await api('POST', '/conversations', { token: owner.accessToken, body: { title: 'Reactor questions' } });
    expect(conv.status).toBe(201);
    const attach = await api('POST', `/conversations/${conv.body.id}/files`, { token: owner.accessToken, body: { fileId } });
    expect(attach.status).toBe(201);
    return conv.body.id;
  }

  it('gives the model the relevant excerpt of an uploaded PDF first and records the citation on the reply', async () => {
    const conversationId = await conversationWithFile(alice);
    llm.requests.length = 0;
    const sse = await openSse('/chat/stream', { token: alice.accessToken, body: { conversationId, message: 'What does the Zephyr reactor use to cool its core?', model: stubModel('cite') } });
    expect(sse.status).toBe(200);
    const events = await sse.events;
    const done = events[events.length - 1];
    expect(done.event).toBe('done');

    // What the provider received: the excerpts in the system prompt, the reactor page first.
    const system = llm.requests[0].messages.find((m) => m.role === 'system')?.content ?? '';
    expect(system).toMatch(/^The user attached files/);
    const first = /\[1\] From "zephyr-handbook\.pdf" \(part \d+\):\n([^]*?)(\n\n\[2\]|$)/.exec(system);
    expect(first?.[1]).toContain('molten fluoride salt');

    // The reply cites [1]; the citation names the file and the chunk.
    expect(visibleText(events)).toBe(`[1] says: ${first![1].split('\n')[0].trim()}`);
    const citations = done.data.citations as { n: number; fileId: string; chunk: number; cited: boolean; startOffset: number; endOffset: number }[];
    expect(citations[0]).toMatchObject({ n: 1, fileId, fileName: 'zephyr-handbook.pdf', cited: true });
    expect(citations[0].endOffset).toBeGreaterThan(citations[0].startOffset);
    expect(citations.slice(1).every((c) => !c.cited)).toBe(true);

    // Stored with the message, as any client reads it later.
    const messages = await api('GET', `/conversations/${conversationId}/messages`, { token: alice.accessToken });
    const reply = messages.body.items.find((m: { id: string }) => m.id === done.data.messageId);
    expect(reply.citations).toEqual(citations);
    const turn = await api('GET', `/chat/turns/${events[0].data.turnId}`, { token: alice.accessToken });
    expect(turn.body.citations).toEqual(citations);
  });

  it('keeps within the budget and reads no file of a conversation without attachments', async () => {
    const plain = await api('POST', '/conversations', { token: alice.accessToken, body: { title: 'No files' } });
    llm.requests.length = 0;
    const sse = await openSse('/chat/stream', { token: alice.accessToken, body: { conversationId: plain.body.id, message: 'What cools the Zephyr reactor?', model: stubModel('cite') } });
    const events = await sse.events;
    expect(visibleText(events)).toBe('No excerpt.');
    expect(events[events.length - 1].data.citations).toBeUndefined();
    expect(llm.requests[0].messages.some((m) => (m.content ?? '').includes('molten fluoride'))).toBe(false);
  });

  it('stops grounding once the file is detached, and never reaches another user\'s file', async () => {
    const conversationId = await conversationWithFile(alice);
    expect((await api('DELETE', `/conversations/${conversationId}/files/${fileId}`, { token: alice.accessToken })).status).toBe(204);
    const sse = await openSse('/chat/stream', { token: alice.accessToken, body: { conversationId, message: 'What cools the Zephyr reactor?', model: stubModel('cite') } });
    expect(visibleText(await sse.events)).toBe('No excerpt.');

    const bobs = await api('POST', '/conversations', { token: bob.accessToken, body: { title: 'Not mine' } });
    const attach = await api('POST', `/conversations/${bobs.body.id}/files`, { token: bob.accessToken, body: { fileId } });
    expect(attach.status).toBe(404);
  });

  it('finds the uploaded file through search, with its text, for its owner only', async () => {
    const search = (token: string) => api('POST', '/search', { token, body: { query: 'molten fluoride', kinds: ['file'] } });
    const deadline = Date.now() + 30_000;
    let hits: { kind: string; id: string; title: string; highlights: { text: string }[] }[] = [];
    while (Date.now() < deadline) {
      const res = await search(alice.accessToken);
      expect(res.status).toBe(200);
      hits = res.body.items;
      if (hits.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(hits[0]).toMatchObject({ kind: 'file', id: fileId, title: 'zephyr-handbook.pdf' });
    expect(hits[0].highlights.map((h) => h.text).join(' ')).toMatch(/molten/i);
    const theirs = await search(bob.accessToken);
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);
    expect(theirs.body.total ?? 0).toBe(0);
  });
});
