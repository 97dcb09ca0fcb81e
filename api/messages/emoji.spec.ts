import { isEmoji } from './emoji';

describe('isEmoji', () => {
  it.each(['👍', '❤️', '❤', '🎉', '👨‍👩‍👧‍👦', '🇫🇷', '1️⃣', '👍🏽', '🏳️‍🌈'])('accepts %s', (e) => {
    expect(isEmoji(e)).toBe(true);
  });

  it.each(['', ' ', 'a', '1', '#', ':)', '👍👍', '👍 ', 'ok👍', '<script>', '\u200d', 'x'.repeat(40), 42, null])('rejects %p', (e) => {
    expect(isEmoji(e)).toBe(false);
  });
});
