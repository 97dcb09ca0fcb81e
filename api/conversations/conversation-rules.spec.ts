import { isRestorable, likePattern, RESTORE_WINDOW_MS } from './conversation-rules';

describe('conversation rules', () => {
  const now = new Date('2026-03-31T12:00:00Z');

  it('restores up to exactly 30 days after deletion, not a moment later', () => {
    expect(isRestorable(new Date(now.getTime() - 1000), now)).toBe(true);
    expect(isRestorable(new Date(now.getTime() - RESTORE_WINDOW_MS), now)).toBe(true);
    expect(isRestorable(new Date(now.getTime() - RESTORE_WINDOW_MS - 1), now)).toBe(false);
  });

  it('escapes LIKE wildcards so a search means the characters typed', () => {
    expect(likePattern('100%')).toBe('%100\\%%');
    expect(likePattern('a_b')).toBe('%a\\_b%');
    expect(likePattern('back\\slash')).toBe('%back\\\\slash%');
  });
});
