import { escapeHtml, ExportConversation, renderExport } from './conversation-export.format';

const conversation: ExportConversation = {
  id: '00000000-0000-4000-8000-000000000001',
  title: 'Tom & <Jerry>',
  folder: null,
  tags: ['a'],
  model: 'm',
  systemPrompt: 'be "nice"',
  createdAt: '2026-01-01T00:00:00.000Z',
  exportedAt: '2026-01-02T00:00:00.000Z',
  messages: [
    { id: 'x', role: 'user', content: '<script>alert(1)</script> **bold** <img src=x onerror=alert(1)>', parentId: null, pinned: false, version: 1, createdAt: '2026-01-01T00:00:01.000Z' },
  ],
};

describe('conversation export renderers', () => {
  it('escapes every HTML metacharacter', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('html never contains user markup and does not render Markdown', () => {
    const { body, contentType, filename } = renderExport(conversation, 'html');
    expect(contentType).toBe('text/html; charset=utf-8');
    expect(filename).toBe(`conversation-${conversation.id}.html`);
    expect(body).not.toContain('<script>');
    expect(body).not.toContain('<img');
    expect(body).not.toContain('<strong>');
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; **bold**');
    expect(body).toContain('<title>Tom &amp; &lt;Jerry&gt;</title>');
    expect(body).toContain('be &quot;nice&quot;');
  });

  it('markdown keeps the text as written, with a heading per message', () => {
    const { body, contentType } = renderExport(conversation, 'markdown');
    expect(contentType).toBe('text/markdown; charset=utf-8');
    expect(body.startsWith('# Tom & <Jerry>\n')).toBe(true);
    expect(body).toContain('## user · 2026-01-01T00:00:01.000Z\n\n<script>alert(1)</script> **bold**');
  });

  it('json round-trips the conversation', () => {
    expect(JSON.parse(renderExport(conversation, 'json').body)).toEqual(conversation);
  });
});
