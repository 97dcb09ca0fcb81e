/** Pure renderers for conversation exports. Message text is Markdown and stays text: never rendered to HTML. */

export type ExportFormat = 'json' | 'markdown' | 'html';
export const EXPORT_FORMATS: ExportFormat[] = ['json', 'markdown', 'html'];

export interface ExportMessage {
  id: string;
  role: string;
  content: string;
  parentId: string | null;
  pinned: boolean;
  version: number;
  createdAt: string;
}

export interface ExportConversation {
  id: string;
  title: string;
  folder: string | null;
  tags: string[];
  model: string | null;
  systemPrompt: string | null;
  createdAt: string;
  exportedAt: string;
  messages: ExportMessage[];
}

export interface ExportFile {
  contentType: string;
  filename: string;
  body: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

function toMarkdown(c: ExportConversation): string {
  const head = [`# ${c.title.replace(/\r?\n/g, ' ')}`, '', `- Exported: ${c.exportedAt}`, `- Created: ${c.createdAt}`];
  if (c.model) head.push(`- Model: ${c.model}`);
  if (c.tags.length) head.push(`- Tags: ${c.tags.join(', ')}`);
  if (c.systemPrompt) head.push('', '## System prompt', '', c.systemPrompt);
  const body = c.messages.map((m) => [`## ${m.role} · ${m.createdAt}`, '', m.content].join('\n'));
  return [...head, '', ...body.flatMap((b) => [b, ''])].join('\n');
}

function toHtml(c: ExportConversation): string {
  const e = escapeHtml;
  // <pre> keeps the Markdown source readable without interpreting it.
  const messages = c.messages
    .map((m) => `<article class="message ${e(m.role)}">\n<h2>${e(m.role)} <time>${e(m.createdAt)}</time></h2>\n<pre>${e(m.content)}</pre>\n</article>`)
    .join('\n');
  const prompt = c.systemPrompt ? `<section class="system-prompt"><h2>System prompt</h2><pre>${e(c.systemPrompt)}</pre></section>\n` : '';
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${e(c.title)}</title>`,
    '<style>pre{white-space:pre-wrap;font-family:inherit}</style>',
    '</head><body>',
    `<h1>${e(c.title)}</h1>`,
    `<p>Exported ${e(c.exportedAt)}</p>`,
    prompt + messages,
    '</body></html>',
    '',
  ].join('\n');
}

export function renderExport(c: ExportConversation, format: ExportFormat): ExportFile {
  const base = `conversation-${c.id}`;
  switch (format) {
    case 'markdown':
      return { contentType: 'text/markdown; charset=utf-8', filename: `${base}.md`, body: toMarkdown(c) };
    case 'html':
      return { contentType: 'text/html; charset=utf-8', filename: `${base}.html`, body: toHtml(c) };
    case 'json':
      return { contentType: 'application/json; charset=utf-8', filename: `${base}.json`, body: JSON.stringify(c, null, 2) };
  }
}
