import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { api } from '../support/api-client';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { stack } from '../support/stack';
import { StubLlmServer } from '../support/stub-llm-server';
import { stubModel, STUB_LLM_PORT } from '../support/stub-llm';
import { allowedToolPort, RecordingServer } from '../support/tool-test-servers';

// The web console in Debian's Chromium (./dev test installs it), driven by playwright-core: nothing
// downloads a browser. CONSOLE_SCREENSHOT=<file.png> saves a picture of the console at the end.
// Callbacks passed to page.evaluate/waitForFunction run in the page; the Node project has no DOM types.
declare const document: any;
declare const window: any;
declare const MutationObserver: any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ORIGIN = stack.apiUrl.replace(/\/api\/v3$/, '');
const FORTY_WORDS = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');

describe('web console (Chromium)', () => {
  const llm = new StubLlmServer();
  const guarded = `console_guarded_${randomUUID().slice(0, 8)}`;
  let toolServer: RecordingServer;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;
  let alice: TestAccount;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await llm.start(STUB_LLM_PORT);
    alice = await registerUser('console');
    toolServer = await new RecordingServer((req, reply) => reply(200, JSON.stringify({ city: decodeURIComponent(req.url.split('/')[2]), tempC: 21 }), { 'content-type': 'application/json' })).start(allowedToolPort());
    const tool = {
      name: guarded,
      description: 'Weather for a city, after a human said yes',
      kind: 'http',
      inputSchema: { type: 'object', properties: { city: { type: 'string', minLength: 1 } }, required: ['city'], additionalProperties: false },
      http: { method: 'GET', urlTemplate: `http://127.0.0.1:${allowedToolPort()}/weather/{city}`, headers: {} },
      timeoutMs: 5000,
      requiresApproval: true,
    };
    expect((await api('POST', '/tools', { token: await loginAdmin(), body: tool })).status).toBe(201);
    profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 760 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (err) => pageErrors.push(err.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await toolServer?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await llm.stop();
  });

  const assistantTexts = () => page.locator('#messages .msg.assistant .text').allTextContents();
  const live = () => page.locator('#messages .msg.assistant.live');

  async function send(message: string, model: string, tools = '') {
    await page.fill('#model', model);
    await page.fill('#tools', tools);
    await page.fill('#message', message);
    await page.click('#send');
  }

  it('serves the page with a strict CSP and its settings outside the API prefix', async () => {
    const res = await fetch(`${ORIGIN}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const settings = await (await fetch(`${ORIGIN}/console-settings.json`)).json();
    expect(settings).toMatchObject({ apiBase: '/api/v3', docsUrl: '/api/v3/docs' });
    // The API's own 404s stay problems.
    const missing = await fetch(`${ORIGIN}/api/v3/no-such-route`);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('signs in, streams a reply, survives a reload mid-stream (Last-Event-ID) and shows the reply once', async () => {
    await page.goto(`${ORIGIN}/`);
    await page.fill('#email', alice.email);
    await page.fill('#password', alice.password);
    await page.click('#sign-in');
    await page.waitForSelector('#composer');
    await expect(page.locator('#who').textContent()).resolves.toContain(alice.email);
    expect(await page.locator('#docs-link').getAttribute('href')).toBe('/api/v3/docs');

    await send('resume across a reload', stubModel('slow-60'));
    // Tokens arrive while the turn runs.
    await page.waitForFunction(() => (document.querySelector('#messages .msg.assistant.live .text')?.textContent ?? '').split(' ').length >= 4);
    expect(await live().getAttribute('data-status')).toBe('running');

    const follows: { url: string; lastEventId: string | undefined }[] = [];
    page.on('request', (req) => {
      if (/\/chat\/turns\/[^/]+\/stream$/.test(req.url())) follows.push({ url: req.url(), lastEventId: req.headers()['last-event-id'] });
    });
    // From the reload on, every text the reply shows must be a prefix of the whole reply: never doubled.
    await page.addInitScript((whole) => {
      const w = window as unknown as { __seen: string[]; __bad: string[] };
      w.__seen = [];
      w.__bad = [];
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('#messages .msg.assistant .text')) {
          const text = el.textContent ?? '';
          if (w.__seen.at(-1) !== text) w.__seen.push(text);
          if (!whole.startsWith(text)) w.__bad.push(text);
        }
      }).observe(document, { subtree: true, childList: true, characterData: true });
    }, FORTY_WORDS);
    await page.reload();
    await page.waitForSelector('#messages .msg.assistant[data-status]');
    await page.waitForFunction((text) => [...document.querySelectorAll('#messages .msg.assistant .text')].some((e) => e.textContent === text), FORTY_WORDS, { timeout: 30_000 });
    await page.waitForSelector('#messages .msg.assistant.live', { state: 'detached' });

    const seen = await page.evaluate(() => {
      const w = window as any;
      return { texts: w.__seen as string[], bad: w.__bad as string[] };
    });
    expect(seen.bad).toEqual([]);
    // The saved part showed at once after the reload, and the rest streamed in after it.
    const partials = seen.texts.filter((t) => t && t !== FORTY_WORDS);
    expect(partials.length).toBeGreaterThan(1);
    expect(partials[0].split(' ').length).toBeGreaterThanOrEqual(4);
    expect(follows.length).toBeGreaterThanOrEqual(1);
    expect(follows[0].lastEventId).toMatch(/^\d+-\d+$/);
    expect(await assistantTexts()).toEqual([FORTY_WORDS]);
    expect(await page.locator('#messages .msg.user .text').allTextContents()).toEqual(['resume across a reload']);
    const body = (await page.locator('#messages').textContent()) ?? '';
    expect(body.split('w39').length - 1).toBe(1);
    // The conversation appears in the list, and the search box finds it.
    await page.fill('#search', 'resume across');
    await page.waitForFunction(() => document.querySelectorAll('#conversations li button').length === 1);
    await page.fill('#search', 'no such words anywhere');
    await page.waitForSelector('#conversations li.empty');
    await page.fill('#search', '');
    await page.waitForSelector('#conversations li button');
    // The usage panel counts the turn.
    await page.waitForFunction(() => /\b1 turn\b/.test(document.querySelector('#usage-totals')?.textContent ?? ''), undefined, { timeout: 15_000 });
  }, 90_000);

  it('resumes by itself when the stream breaks off mid-reply, still showing the reply once', async () => {
    // The POST's response is cut after its first six events, as a dropped connection would leave it.
    let cutAfterId = '';
    await page.route('**/api/v3/chat/stream', async (route) => {
      const res = await route.fetch();
      const events = (await res.text()).split('\n\n').filter((e) => /^id: /m.test(e)).slice(0, 6);
      cutAfterId = /^id: (.+)$/m.exec(events.at(-1)!)![1];
      const headers = Object.fromEntries(Object.entries(res.headers()).filter(([k]) => !['content-length', 'transfer-encoding'].includes(k)));
      await route.fulfill({ status: res.status(), headers, body: `${events.join('\n\n')}\n\n` });
    });
    const follows: string[] = [];
    const onRequest = (req: { url(): string; headers(): Record<string, string> }) => {
      if (/\/chat\/turns\/[^/]+\/stream$/.test(req.url())) follows.push(req.headers()['last-event-id'] ?? '');
    };
    page.on('request', onRequest);
    try {
      await page.click('#new-chat');
      await send('break the line', stubModel('slow-20'));
      await page.waitForFunction((text) => [...document.querySelectorAll('#messages .msg.assistant .text')].some((e) => e.textContent === text), FORTY_WORDS, { timeout: 30_000 });
      await page.waitForSelector('#messages .msg.assistant.live', { state: 'detached' });
    } finally {
      page.off('request', onRequest);
      await page.unroute('**/api/v3/chat/stream');
    }
    expect(cutAfterId).toMatch(/^\d+-\d+$/);
    expect(follows).toEqual([cutAfterId]);
    expect(await assistantTexts()).toEqual([FORTY_WORDS]);
  }, 60_000);

  it('stops a running turn with the Stop button; the partial reply is kept', async () => {
    await page.click('#new-chat');
    await send('stop me please', stubModel('slow-150'));
    await page.waitForFunction(() => (document.querySelector('#messages .msg.assistant.live .text')?.textContent ?? '').length > 0);
    const turnId = await live().getAttribute('data-turn-id');
    await page.click('#stop');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Stopped.', undefined, { timeout: 20_000 });
    const turn = await api('GET', `/chat/turns/${turnId}`, { token: alice.accessToken });
    expect(turn.body.status).toBe('cancelled');
    const shown = await assistantTexts();
    expect(shown).toHaveLength(1);
    expect(shown[0]).toBe(turn.body.content);
    expect(shown[0].split(' ').length).toBeLessThan(40);
    expect(await page.isDisabled('#stop')).toBe(true);
  }, 60_000);

  it('shows model output as text: markup in a reply is never parsed', async () => {
    await page.click('#new-chat');
    const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>';
    await send(evil, stubModel('echo'));
    await page.waitForFunction((text) => [...document.querySelectorAll('#messages .msg.assistant .text')].some((e) => e.textContent === text), `You said: ${evil}`);
    await page.waitForSelector('#messages .msg.assistant.live', { state: 'detached' });
    expect(await page.locator('#messages img, #messages script, #messages b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // The conversation's title (the first message) is text in the list too.
    expect(await page.locator('#conversations img').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('prompts for a tool approval: the requester sees it wait, an admin approves it in the Approvals panel, the turn completes', async () => {
    await page.click('#new-chat');
    await send('{"city":"Oslo"}', stubModel(`tools-${guarded}`), guarded);
    const pending = page.locator('#messages .msg.assistant.live .tool.approval_pending');
    await pending.waitFor({ timeout: 20_000 });
    const approvalId = await pending.getAttribute('data-approval-id');
    expect(approvalId).toMatch(/^[0-9a-f-]{36}$/);
    // The requester may not decide their own request: no buttons, a note instead.
    await page.locator('#messages .tool.approval_pending .waiting').waitFor();
    expect(await pending.locator('button').count()).toBe(0);

    const adminPage = await browser.newPage();
    try {
      await adminPage.goto(`${ORIGIN}/`);
      await adminPage.fill('#email', stack.adminEmail);
      await adminPage.fill('#password', stack.adminPassword);
      await adminPage.click('#sign-in');
      const row = adminPage.locator(`#approvals .approval[data-id="${approvalId}"]`);
      await row.waitFor({ timeout: 15_000 });
      await row.locator('button.approve').click();
      await adminPage.locator(`#approvals .approval[data-id="${approvalId}"]`).waitFor({ state: 'detached', timeout: 15_000 });
    } finally {
      await adminPage.close();
    }

    await page.waitForFunction((name) => [...document.querySelectorAll('#messages .msg.assistant .text')].some((e) => (e.textContent ?? '').startsWith(`Tool ${name} said:`)), guarded, { timeout: 30_000 });
    const reply = (await assistantTexts()).find((t) => t.startsWith(`Tool ${guarded} said:`))!;
    expect(reply).toContain('"city":"Oslo"');
    expect(toolServer.seen.some((r) => r.url === '/weather/Oslo')).toBe(true);
    expect((await api('GET', `/approvals/${approvalId}`, { token: alice.accessToken })).body).toMatchObject({ status: 'approved' });
    if (process.env.CONSOLE_SCREENSHOT) {
      await page.locator('#conversations li button').nth(3).waitFor();
      await page.screenshot({ path: process.env.CONSOLE_SCREENSHOT });
    }
  }, 90_000);

  it('keeps the session across an expired access token with the refresh route, and signs out', async () => {
    await page.evaluate(() => {
      const tokens = JSON.parse(window.sessionStorage.getItem('console.tokens'));
      window.sessionStorage.setItem('console.tokens', JSON.stringify({ ...tokens, accessToken: 'expired.or.forged' }));
    });
    const refreshes: number[] = [];
    page.on('response', (res) => {
      if (res.url().endsWith('/api/v3/auth/refresh')) refreshes.push(res.status());
    });
    await page.reload();
    await page.waitForSelector('#who');
    expect(await page.locator('#who').textContent()).toContain(alice.email);
    expect(refreshes).toEqual([200]);
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in-form');
    expect(await page.evaluate(() => window.sessionStorage.getItem('console.tokens'))).toBeNull();
  }, 30_000);

  it('registers a new account from the sign-in page', async () => {
    const other = await browser.newPage();
    try {
      await other.goto(`${ORIGIN}/`);
      await other.click('#toggle-register');
      const email = `console-new-${randomUUID().slice(0, 8)}@example.test`;
      await other.fill('#name', 'New Person');
      await other.fill('#email', email);
      await other.fill('#password', 'a long enough password');
      await other.click('#sign-in');
      await other.waitForSelector('#who');
      expect(await other.locator('#who').textContent()).toBe(`New Person <${email}>`);
      await other.waitForSelector('#conversations li.empty');
      expect(await other.locator('#conversations li.empty').textContent()).toBe('No conversations yet.');
    } finally {
      await other.close();
    }
  }, 30_000);
});
