import type { Highlight } from './search-engine';

/** Markers the engines wrap matches in; control characters stripped from indexed text, so unambiguous. */
export const MARK_START = '\u0001';
export const MARK_END = '\u0002';

/** A marked fragment → plain text + offsets. The text is returned as data, never as HTML. */
export function parseHighlight(field: Highlight['field'], marked: string): Highlight {
  let text = '';
  const ranges: Highlight['ranges'] = [];
  let start = -1;
  for (const ch of marked) {
    if (ch === MARK_START) start = text.length;
    else if (ch === MARK_END) {
      if (start >= 0 && text.length > start) ranges.push({ start, end: text.length });
      start = -1;
    } else text += ch;
  }
  return { field, text, ranges };
}
