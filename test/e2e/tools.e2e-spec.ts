import { randomUUID } from 'node:crypto';
import { api, expectProblem } from '../support/api-client';
import { loginAdmin, registerUser, TestAccount } from '../support/accounts';
import { sql } from '../support/db';
import { allowedToolPort, RecordingServer } from '../support/tool-test-servers';

// The stack runs with TOOL_HTTP_ALLOW_HOSTS=127.0.0.1:<port>: the "public" server listens there; the
// "internal" one on another loopback port, which tools must never reach.
describe('tools: registry, durable runs, built-ins and SSRF refusals', () => {
  const tag = randomUUID().slice(0, 8);
  const toolName = (s: string) => `${s}-${tag}`;
  const secretName = `WEATHER_KEY_${tag}`;
  const port = allowedToolPort();
  const base = `http://127.0.0.1:${port}`;
  let internal: RecordingServer;
  let publicServer: RecordingServer;
  let admin: string;
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    internal = await new RecordingServer((_req, reply) => reply(200, 'internal secret')).start();
    publicServer = await new RecordingServer((req, reply) => {
      if (req.url.startsWith('/weather/')) return reply(200, JSON.stringify({ city: decodeURIComponent(req.url.split('/')[2].split('?')[0]), tempC: 21, body: req.body ? JSON.parse(req.body) : null }), { 'content-type': 'application/json' });
      if (req.url.startsWith('/to-internal')) return reply(302, '', { location: `http://127.0.0.1:${internal.port}/stolen` });
      if (req.url.startsWith('/page')) return reply(200, '<html><head><title>T</title><script>evil()</script></head><body><h1>Hello tools</h1><p>Paragraph <b>bold</b> text.</p></body></html>', { 'content-type': 'text/html; charset=utf-8' });
      if (req.url.startsWith('/big')) return reply(200, JSON.stringify({ blob: 'x'.repeat(5000) }), { 'content-type': 'application/json' });
      if (req.url.startsWith('/fail')) return reply(500, 'boom');
      reply(404, 'no');
    }).start(port);
    [admin, alice, bob] = await Promise.all([loginAdmin(), registerUser('tools-alice'), registerUser('tools-bob')]);
    const secret = await api('PUT', `/tools/secrets/${secretName}`, { token: admin, body: { value: 'k-123-secret' } });
    expect(secret.status).toBe(200);
    expect(JSON.stringify(secret.body)).not.toContain('k-123-secret');
  });

  afterAll(async () => {
    await publicServer?.stop();
    await internal?.stop();
  });

  const weatherTool = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    description: 'Weather for a city',
    category: `weather-${tag}`,
    kind: 'http',
    inputSchema: {
      type: 'object',
      properties: { city: { type: 'string', minLength: 1 }, days: { type: 'integer', minimum: 1, maximum: 7 }, email: { type: 'string', format: 'email' } },
      required: ['city'],
      additionalProperties: false,
    },
    http: { method: 'POST', urlTemplate: `${base}/weather/{city}`, headers: { 'x-api-key': `Bearer {{secret:${secretName}}}` }, bodyTemplate: { days: '{{input.days}}', note: 'for {{input.city}}' } },
    timeoutMs: 5000,
    costPerCallUsd: 0.002,
    ...extra,
  });

  const exec = (name: string, input: Record<string, unknown>, token: string, wait = true) =>
    api('POST', `/tools/${name}/execute${wait ? '?wait=true' : ''}`, { token, body: { input } });

  describe('HTTP tools', () => {
    const name = toolName('weather');

    beforeAll(async () => {
      const res = await api('POST', '/tools', { token: admin, body: weatherTool(name) });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name, currentVersion: 1, kind: 'http', costPerCallUsd: '0.002' });
    });

    it('executes through a toolRun workflow: URL-encoded placeholders, secret header, body template; the run is recorded once', async () => {
      const res = await exec(name, { city: 'São Paulo/x', days: 3 }, alice.accessToken);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'completed', version: 1, cached: false, costUsd: '0.002', workflowId: `tool-run:${res.body.runId}` });
      expect(res.body.result).toEqual({ status: 200, body: { city: 'São Paulo/x', tempC: 21, body: { days: 3, note: 'for São Paulo/x' } } });
      const seen = publicServer.hits('/weather/').at(-1)!;
      expect(seen.url).toBe('/weather/S%C3%A3o%20Paulo%2Fx');
      expect(seen.headers['x-api-key']).toBe('Bearer k-123-secret');

      const run = await api('GET', `/tools/${name}/runs/${res.body.runId}`, { token: alice.accessToken });
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({ status: 'completed', version: 1, costUsd: '0.002', result: res.body.result });
      expect(run.body.latencyMs).toBeGreaterThanOrEqual(0);
      const rows = await sql<{ n: string }>('select count(*) as n from tool_runs where id = ?', [res.body.runId]);
      expect(Number(rows[0].n)).toBe(1);
    });

    it('answers 202 with a run id without wait, and the run can be followed', async () => {
      const res = await exec(name, { city: 'Oslo' }, alice.accessToken, false);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'running', tool: name, version: 1 });
      let run = await api('GET', `/tools/${name}/runs/${res.body.runId}`, { token: alice.accessToken });
      for (let i = 0; i < 50 && run.body.status === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        run = await api('GET', `/tools/${name}/runs/${res.body.runId}`, { token: alice.accessToken });
      }
      expect(run.body).toMatchObject({ status: 'completed', result: { body: { city: 'Oslo' } } });
    });

    it("hides a run from other users (404) but shows it to an admin", async () => {
      const res = await exec(name, { city: 'Rome' }, alice.accessToken);
      expectProblem(await api('GET', `/tools/${name}/runs/${res.body.runId}`, { token: bob.accessToken }), 404);
      expect((await api('GET', `/tools/${name}/runs/${res.body.runId}`, { token: admin })).status).toBe(200);
      expectProblem(await api('GET', `/tools/${name}/runs/not-a-uuid`, { token: alice.accessToken }), 400);
    });

    it('PATCH creates a new immutable version; new runs record it, old runs keep theirs', async () => {
      const before = await exec(name, { city: 'Lima' }, alice.accessToken);
      const patched = await api('PATCH', `/tools/${name}`, { token: admin, body: { description: 'Weather v2', timeoutMs: 4000 } });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ currentVersion: 2, version: 2, description: 'Weather v2', timeoutMs: 4000, http: { urlTemplate: `${base}/weather/{city}` } });
      const versions = await api('GET', `/tools/${name}/versions`, { token: alice.accessToken });
      expect(versions.body.items.map((v: { version: number; description: string }) => [v.version, v.description])).toEqual([
        [2, 'Weather v2'],
        [1, 'Weather for a city'],
      ]);
      const after = await exec(name, { city: 'Lima' }, alice.accessToken);
      expect(after.body.version).toBe(2);
      expect((await api('GET', `/tools/${name}/runs/${before.body.runId}`, { token: alice.accessToken })).body.version).toBe(1);
      expect((await api('GET', `/tools/${name}/runs/${after.body.runId}`, { token: alice.accessToken })).body.version).toBe(2);
    });

    it('validate answers per-field errors; execute refuses bad input with the same 400 before starting anything', async () => {
      const ok = await api('POST', `/tools/${name}/validate`, { token: alice.accessToken, body: { input: { city: 'Paris', days: 2 } } });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ valid: true });
      const bad = await api('POST', `/tools/${name}/validate`, { token: alice.accessToken, body: { input: { days: 9, email: 'nope', extra: 1 } } });
      const problem = expectProblem(bad, 400);
      expect(problem.errors).toEqual(
        expect.arrayContaining([
          { field: 'input.city', message: 'is required' },
          { field: 'input.days', message: expect.stringContaining('<= 7') },
          { field: 'input.email', message: expect.stringContaining('email') },
          { field: 'input.extra', message: 'is not allowed' },
        ]),
      );
      const runsBefore = await sql<{ n: string }>('select count(*) as n from tool_runs where tool_name = ?', [name]);
      expectProblem(await exec(name, { city: 7 }, alice.accessToken), 400);
      expectProblem(await api('POST', `/tools/${name}/execute`, { token: alice.accessToken, body: { input: 'x' } }), 400);
      const runsAfter = await sql<{ n: string }>('select count(*) as n from tool_runs where tool_name = ?', [name]);
      expect(runsAfter[0].n).toBe(runsBefore[0].n);
    });

    it('an upstream failure is a 502 problem and counts as an error in usage; usage has calls, percentiles and cost', async () => {
      const failing = toolName('failing');
      const registered = await api('POST', '/tools', { token: admin, body: { ...weatherTool(failing), http: { method: 'GET', urlTemplate: `${base}/fail`, headers: {} }, retry: { maxAttempts: 2, initialMs: 50, maxMs: 100 } } });
      expect(registered.status).toBe(201);
      // A field the retry policy leaves out keeps its default (it was stored as missing).
      expect(registered.body.retry).toEqual({ maxAttempts: 2, initialMs: 50, coefficient: 2, maxMs: 100 });
      const [stored] = await sql<{ retry: Record<string, number> }>('select v.retry from tool_versions v join tools t on t.id = v.tool_id where t.name = ? order by v.version desc limit 1', [failing]);
      expect(stored.retry.coefficient).toBe(2);
      const failed = await exec(failing, { city: 'x' }, alice.accessToken);
      expect(expectProblem(failed, 502)).toMatchObject({ errorType: 'UpstreamError', upstreamStatus: 500 });
      expect(publicServer.hits('/fail')).toHaveLength(2);
      const usage = await api('GET', `/tools/${failing}/usage`, { token: admin });
      expect(usage.body).toMatchObject({ calls: 1, errors: 1, costUsd: '0', scope: 'all' });

      const weatherUsage = await api('GET', `/tools/${name}/usage`, { token: admin });
      expect(weatherUsage.status).toBe(200);
      expect(weatherUsage.body.calls).toBe(5); // the five runs of the tests above
      expect(weatherUsage.body.errors).toBe(0);
      expect(weatherUsage.body.p50LatencyMs).toBeGreaterThanOrEqual(0);
      expect(weatherUsage.body.p95LatencyMs).toBeGreaterThanOrEqual(weatherUsage.body.p50LatencyMs);
      expect(Number(weatherUsage.body.costUsd)).toBeCloseTo(0.002 * weatherUsage.body.calls, 8);
      const own = await api('GET', `/tools/${name}/usage`, { token: bob.accessToken });
      expect(own.body).toMatchObject({ scope: 'own', calls: 0, costUsd: '0', p50LatencyMs: null });
    });

    it('caches by canonical input when cacheTtlSeconds is set: a hit makes no call and costs nothing', async () => {
      const cachedTool = toolName('cached');
      expect((await api('POST', '/tools', { token: admin, body: weatherTool(cachedTool, { cacheTtlSeconds: 60 }) })).status).toBe(201);
      const city = `Cache-${tag}`;
      const first = await exec(cachedTool, { city, days: 2 }, alice.accessToken);
      const second = await exec(cachedTool, { days: 2, city }, bob.accessToken);
      expect(first.body).toMatchObject({ cached: false, costUsd: '0.002' });
      expect(second.body).toMatchObject({ cached: true, costUsd: '0', result: first.body.result });
      expect(publicServer.hits(`/weather/${city}`)).toHaveLength(1);
    });

    it('caps the result at resultMaxBytes', async () => {
      const big = toolName('big');
      expect((await api('POST', '/tools', { token: admin, body: { ...weatherTool(big), resultMaxBytes: 1000, http: { method: 'GET', urlTemplate: `${base}/big`, headers: {} } } })).status).toBe(201);
      expect(expectProblem(await exec(big, { city: 'x' }, alice.accessToken), 502)).toMatchObject({ errorType: 'ResultTooLarge' });
    });
  });

  describe('registry rules', () => {
    it('members cannot register, change or delete tools', async () => {
      expectProblem(await api('POST', '/tools', { token: alice.accessToken, body: weatherTool(toolName('nope')) }), 403);
      expectProblem(await api('PATCH', '/tools/calculator', { token: alice.accessToken, body: { description: 'x' } }), 403);
      expectProblem(await api('DELETE', '/tools/calculator', { token: alice.accessToken }), 403);
      expectProblem(await api('PUT', '/tools/secrets/X', { token: alice.accessToken, body: { value: 'v' } }), 403);
    });

    it('a tool restricted to admins is invisible to members (404 everywhere, absent from the list)', async () => {
      const name = toolName('admin-only');
      expect((await api('POST', '/tools', { token: admin, body: weatherTool(name, { allowedRoles: ['admin'] }) })).status).toBe(201);
      expectProblem(await api('GET', `/tools/${name}`, { token: alice.accessToken }), 404);
      expectProblem(await exec(name, { city: 'x' }, alice.accessToken), 404);
      expectProblem(await api('GET', `/tools/${name}/versions`, { token: alice.accessToken }), 404);
      const list = await api('GET', `/tools?category=weather-${tag}&limit=100`, { token: alice.accessToken });
      expect(list.body.items.map((t: { name: string }) => t.name)).not.toContain(name);
      const adminList = await api('GET', `/tools?category=weather-${tag}&limit=100`, { token: admin });
      expect(adminList.body.items.map((t: { name: string }) => t.name)).toContain(name);
      expect((await api('GET', `/tools/${name}`, { token: admin })).status).toBe(200);
    });

    it('lists with search, category filter and cursor pages', async () => {
      const page1 = await api('GET', `/tools?category=weather-${tag}&limit=2`, { token: admin });
      expect(page1.status).toBe(200);
      expect(page1.body.items).toHaveLength(2);
      expect(page1.body.nextCursor).toEqual(expect.any(String));
      const page2 = await api('GET', `/tools?category=weather-${tag}&limit=2&cursor=${page1.body.nextCursor}`, { token: admin });
      const names = [...page1.body.items, ...page2.body.items].map((t: { name: string }) => t.name);
      expect(new Set(names).size).toBe(names.length);
      const search = await api('GET', '/tools?q=arithmetic', { token: alice.accessToken });
      expect(search.body.items.map((t: { name: string }) => t.name)).toEqual(['calculator']);
      expectProblem(await api('GET', '/tools?cursor=garbage', { token: alice.accessToken }), 400);
      expectProblem(await api('GET', '/tools?limit=1000', { token: alice.accessToken }), 400);
    });

    it('rejects bad definitions with per-field errors: name, schema, URL, kind', async () => {
      const bad = await api('POST', '/tools', { token: admin, body: { ...weatherTool('Bad Name!'), timeoutMs: 10 } });
      expect(expectProblem(bad, 400).errors!.map((e) => e.field)).toEqual(expect.arrayContaining(['name', 'timeoutMs']));
      const schema = await api('POST', '/tools', { token: admin, body: weatherTool(toolName('bad-schema'), { inputSchema: { type: 'object', properties: { a: { type: 'nonsense' } } } }) });
      expect(expectProblem(schema, 400).errors![0].field).toMatch(/^inputSchema/);
      const url = await api('POST', '/tools', { token: admin, body: { ...weatherTool(toolName('bad-url')), http: { method: 'GET', urlTemplate: 'file:///etc/passwd', headers: {} } } });
      expect(expectProblem(url, 400).errors).toEqual([{ field: 'http.urlTemplate', message: 'must use http or https' }]);
      const host = await api('POST', '/tools', { token: admin, body: { ...weatherTool(toolName('bad-host')), http: { method: 'GET', urlTemplate: 'http://{host}/x', headers: {} } } });
      expectProblem(host, 400);
      const builtin = await api('POST', '/tools', { token: admin, body: { ...weatherTool(toolName('fake-builtin')), kind: 'builtin', http: undefined } });
      expect(expectProblem(builtin, 400).errors![0].field).toBe('kind');
      expectProblem(await api('POST', '/tools', { token: admin, body: weatherTool('calculator') }), 409);
    });

    it('a workflow tool needs a definition it can see (400); a deleted tool is gone (404) but its name stays taken', async () => {
      const wf = toolName('wf');
      expect(expectProblem(await api('POST', '/tools', { token: admin, body: { name: wf, description: 'later', kind: 'workflow' } }), 400).errors).toEqual([{ field: 'workflow.definitionId', message: 'is required for a workflow tool' }]);
      const unknown = await api('POST', '/tools', { token: admin, body: { name: wf, description: 'later', kind: 'workflow', workflow: { definitionId: randomUUID() } } });
      expect(expectProblem(unknown, 400).errors).toEqual([{ field: 'workflow.definitionId', message: 'is not a workflow definition you can see' }]);
      expect((await api('POST', '/tools', { token: admin, body: weatherTool(wf) })).status).toBe(201);
      expect((await api('DELETE', `/tools/${wf}`, { token: admin })).status).toBe(204);
      expectProblem(await api('GET', `/tools/${wf}`, { token: admin }), 404);
      expectProblem(await api('POST', '/tools', { token: admin, body: weatherTool(wf) }), 409);
    });
  });

  describe('built-ins', () => {
    it('current_time answers in the requested zone; an unknown zone is a 422', async () => {
      const res = await exec('current_time', { timezone: 'Asia/Tokyo' }, alice.accessToken);
      expect(res.status).toBe(200);
      expect(res.body.result).toMatchObject({ timezone: 'Asia/Tokyo', offset: '+09:00' });
      expect(Math.abs(Date.parse(res.body.result.utc) - Date.now())).toBeLessThan(60_000);
      expect(expectProblem(await exec('current_time', { timezone: 'Mars/Olympus' }, alice.accessToken), 422)).toMatchObject({ errorType: 'ToolInputError' });
    });

    it('calculator evaluates arithmetic and refuses code', async () => {
      expect((await exec('calculator', { expression: `2 ^ 10 + sqrt(16) * (3 - 1) + ${tag.length}` }, alice.accessToken)).body.result).toEqual({ expression: `2 ^ 10 + sqrt(16) * (3 - 1) + ${tag.length}`, result: 1032 + tag.length });
      expectProblem(await exec('calculator', { expression: 'process.exit(1)' }, alice.accessToken), 422);
      expectProblem(await exec('calculator', { expression: '1/0' }, alice.accessToken), 422);
    });

    it('fetch_url_as_text turns an allowed page into text', async () => {
      const res = await exec('fetch_url_as_text', { url: `${base}/page?${tag}` }, alice.accessToken);
      expect(res.status).toBe(200);
      expect(res.body.result.text).toContain('HELLO TOOLS');
      expect(res.body.result.text).toContain('Paragraph bold text.');
      expect(res.body.result.text).not.toContain('evil()');
    });

    it("conversation_search finds the caller's own messages only, whatever the input says", async () => {
      const word = `zebra${tag}`;
      const conv = await api('POST', '/conversations', { token: alice.accessToken, body: { title: 'Search me' } });
      expect(conv.status).toBe(201);
      expect((await api('POST', `/conversations/${conv.body.id}/messages`, { token: alice.accessToken, body: { content: `the ${word} crossed the road` } })).status).toBe(201);
      const mine = await exec('conversation_search', { query: word }, alice.accessToken);
      expect(mine.body.result.matches).toEqual([expect.objectContaining({ conversationId: conv.body.id, snippet: `the ${word} crossed the road` })]);
      const theirs = await exec('conversation_search', { query: word }, bob.accessToken);
      expect(theirs.body.result.matches).toEqual([]);
      // A user id smuggled into the input is refused by the schema, never used.
      expectProblem(await exec('conversation_search', { query: word, userId: alice.id }, bob.accessToken), 400);
    });
  });

  describe('SSRF: refused before connecting', () => {
    const targets = () => [
      `http://[::ffff:127.0.0.1]:${internal.port}/mapped`,
      `http://2130706433:${internal.port}/decimal`,
      `http://0x7f000001:${internal.port}/hex`,
      `http://0177.0.0.1:${internal.port}/octal`,
      `http://localhost:${internal.port}/dns`,
      `http://[::1]:${internal.port}/v6`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      `http://127.0.0.1:${internal.port}/direct`,
    ];

    it.each([0, 1, 2, 3, 4, 5, 6, 7, 8])('fetch_url_as_text refuses target #%i', async (i) => {
      const url = targets()[i];
      const res = await exec('fetch_url_as_text', { url }, alice.accessToken);
      const problem = expectProblem(res, 422);
      expect(problem).toMatchObject({ title: 'Destination not allowed', errorType: 'DestinationNotAllowed' });
      const run = await api('GET', `/tools/fetch_url_as_text/runs/${(problem as { runId?: string }).runId}`, { token: alice.accessToken });
      expect(run.body).toMatchObject({ status: 'failed', error: { type: 'DestinationNotAllowed' } });
    });

    it('a redirect from the allowed server to another local port is refused at that hop', async () => {
      const name = toolName('redirector');
      expect((await api('POST', '/tools', { token: admin, body: { ...weatherTool(name), http: { method: 'GET', urlTemplate: `${base}/to-internal`, headers: {} } } })).status).toBe(201);
      const res = await exec(name, { city: 'x' }, alice.accessToken);
      expect(expectProblem(res, 422)).toMatchObject({ errorType: 'DestinationNotAllowed' });
      expect(publicServer.hits('/to-internal').length).toBeGreaterThan(0);
      const viaFetch = await exec('fetch_url_as_text', { url: `${base}/to-internal?${tag}` }, alice.accessToken);
      expectProblem(viaFetch, 422);
    });

    it('the internal server never saw a request', () => {
      expect(internal.seen).toEqual([]);
    });
  });
});
