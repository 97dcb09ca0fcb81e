import { registerUser, uniqueEmail, type TestAccount } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';

/** Input built to break the server: each must be a 4xx problem, never a 500. */
describe('hostile input', () => {
  let member: TestAccount;
  beforeAll(async () => {
    member = await registerUser('hostile');
  });

  describe('deeply nested or huge JSON', () => {
    const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

    it('is refused before anything walks it, on public and authenticated routes', async () => {
      for (const levels of [100, 4_000, 100_000]) {
        const register = await api('POST', '/auth/register', { rawBody: `{"email":"${uniqueEmail('deep')}","password":"correct horse battery","name":"Deep","x":${deep(levels)}}` });
        expect(expectProblem(register, 400).errors).toEqual([{ field: expect.stringMatching(/^x/), message: 'must not be nested deeper than 64 levels' }]);
        expectProblem(await api('POST', '/conversations', { token: member.accessToken, rawBody: deepArray(levels) }), 400);
        expectProblem(await api('POST', '/workflows', { token: member.accessToken, rawBody: `{"definition":${deep(levels)}}` }), 400);
      }
      // Ordinary nesting still reaches validation (an unknown field here).
      expectProblem(await api('POST', '/auth/login', { body: { email: 'a@example.test', password: 'x', extra: { a: { b: { c: 1 } } } } }), 400);
    });

    it('answers 413 for more keys and elements than any route takes', async () => {
      const many = await api('POST', '/conversations', { token: member.accessToken, rawBody: `{"title":"t","tags":[${new Array(60_000).fill('0').join(',')}]}` });
      expectProblem(many, 413);
    });
  });

  it('a client X-Request-Id is kept only when short and plain; otherwise one is generated', async () => {
    const uuid = /^[0-9a-f-]{36}$/;
    expect((await api('GET', '/monitoring/health/live', { headers: { 'x-request-id': 'a'.repeat(128) } })).headers.get('x-request-id')).toBe('a'.repeat(128));
    for (const bad of ['a'.repeat(129), '<script>alert(1)</script>', 'id with spaces', '{"json":1}']) {
      const res = await api('GET', '/monitoring/health/live', { headers: { 'x-request-id': bad } });
      expect(res.headers.get('x-request-id')).toMatch(uuid);
    }
  });

  describe('NUL in workflow definitions', () => {
    it('is refused in YAML and JSON sources, in values and keys, with the field and line', async () => {
      const post = (body: object) => api('POST', '/workflows', { token: member.accessToken, body });
      const yaml = await post({ source: 'name: "Evil\\0"\nnodes:\n  - id: w\n    type: wait\n    duration: 1s\n' });
      expect(expectProblem(yaml, 400).errors).toEqual([expect.objectContaining({ field: 'name', line: 1, message: 'must not contain NUL (U+0000) characters' })]);
      const yamlKey = await post({ source: 'name: ok\nnodes:\n  - id: w\n    type: wait\n    duration: 1s\ninput:\n  type: object\n  properties:\n    "a\\0b": { type: string }\n' });
      expect(expectProblem(yamlKey, 400).errors?.[0]).toMatchObject({ message: 'keys must not contain NUL (U+0000) characters' });
      const json = await post({ source: '{"name": "J", "nodes": [{"id": "w", "type": "wait", "duration": "1s\\u0000"}]}' });
      expect(expectProblem(json, 400).errors?.[0]).toMatchObject({ field: 'nodes[0].duration' });
      const objectKey = await post({ definition: { name: 'J', nodes: [{ id: 'w', type: 'wait', duration: '1s' }], input: { type: 'object', properties: { 'a\u0000': { type: 'string' } } } } });
      expectProblem(objectKey, 400);
      // The same definition without the NUL is stored.
      expect((await post({ source: 'name: Fine\nnodes:\n  - id: w\n    type: wait\n    duration: 1s\n' })).status).toBe(201);
    });
  });

  describe('dates outside what Postgres stores', () => {
    const forged = (at: string) => Buffer.from(JSON.stringify([at, '00000000-0000-4000-8000-000000000000'])).toString('base64url');
    const years = ['0000-01-01T00:00:00.000Z', '-004714-01-01T00:00:00.000Z', '+275760-01-01T00:00:00.000Z', '-271821-04-20T00:00:00.000Z'];

    it('in a forged cursor: 400 on every cursor-paged list', async () => {
      for (const path of ['/conversations', '/notifications', '/workflows', '/tools']) {
        for (const at of years) {
          const res = await api('GET', `${path}?cursor=${forged(at)}`, { token: member.accessToken });
          expect({ path, at, status: res.status }).toEqual({ path, at, status: 400 });
          expectProblem(res, 400);
        }
      }
      // A real date still pages.
      expect((await api('GET', `/conversations?cursor=${forged('2024-01-01T00:00:00.000Z')}`, { token: member.accessToken })).status).toBe(200);
    });

    it('in query and body dates: 400 naming the field', async () => {
      const models = (await api('GET', '/models', { token: member.accessToken })).body;
      const modelId = (models.items ?? models.data ?? models)[0].id as string;
      for (const at of ['0000-01-01T00:00:00Z', '-004714-11-24T00:00:00Z', '+275760-01-01T00:00:00Z']) {
        const q = encodeURIComponent(at);
        expectProblem(await api('GET', `/billing/usage?from=${q}`, { token: member.accessToken }), 400);
        expectProblem(await api('GET', `/billing/usage?to=${q}`, { token: member.accessToken }), 400);
        expectProblem(await api('GET', `/models/${modelId}/usage?from=${q}`, { token: member.accessToken }), 400);
        expectProblem(await api('GET', `/conversations?createdAfter=${q}`, { token: member.accessToken }), 400);
        const key = await api('POST', '/users/me/api-keys', { token: member.accessToken, body: { name: 'far', expiresAt: at } });
        expect(expectProblem(key, 400).errors?.[0]).toMatchObject({ field: 'expiresAt' });
      }
      expect((await api('GET', `/billing/usage?from=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`, { token: member.accessToken })).status).toBe(200);
      expect((await api('POST', '/users/me/api-keys', { token: member.accessToken, body: { name: 'near', expiresAt: '2999-01-01T00:00:00Z' } })).status).toBe(201);
    });
  });
});
