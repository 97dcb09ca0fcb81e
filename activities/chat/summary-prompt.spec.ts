import { SUMMARY_INSTRUCTION, summaryRequest } from './summary-prompt';

describe('summaryRequest', () => {
  it('sends the instruction, then the conversation as one labelled transcript', () => {
    const req = summaryRequest(
      [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
      ],
      8192,
    );
    expect(req).toEqual([
      { role: 'system', content: SUMMARY_INSTRUCTION },
      { role: 'user', content: 'Conversation to summarize:\n\nUser: Hi\n\nAssistant: Hello!' },
    ]);
  });

  it('keeps the newest messages that fit a small context, dropping the oldest', () => {
    const old = { role: 'user' as const, content: 'old '.repeat(2000) };
    const recent = { role: 'user' as const, content: 'what is new?' };
    const [, transcript] = summaryRequest([old, { role: 'assistant', content: 'ok' }, recent], 700);
    expect(transcript.content).not.toContain('old old');
    expect(transcript.content).toBe('Conversation to summarize:\n\nAssistant: ok\n\nUser: what is new?');
  });
});
