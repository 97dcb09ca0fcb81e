import { registerUser } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';

type Op = { operationId: string; security?: unknown[]; parameters?: { name: string; in: string; schema?: any }[]; responses: Record<string, any> };

/** The published document says what the routes do (schemathesis relies on it: test/e2e/fuzz.e2e-spec.ts). */
describe('OpenAPI document and method handling', () => {
  let doc: { paths: Record<string, Record<string, Op>> };
  beforeAll(async () => {
    doc = (await api('GET', '/openapi.json')).body;
  });
  const op = (path: string, method: string) => doc.paths[`/api/v3${path}`][method];

  it('marks public routes public (no security requirement) and only those', async () => {
    for (const [path, method] of [['/auth/register', 'post'], ['/auth/login', 'post'], ['/auth/oauth/providers', 'get'], ['/monitoring/health/live', 'get'], ['/shared/{token}', 'get']]) {
      expect({ path, security: op(path, method).security }).toEqual({ path, security: [] });
    }
    expect(op('/users/me', 'get').security).toEqual([{ bearer: [] }]);
    // And the public ones answer without a credential.
    expect((await api('GET', '/auth/oauth/providers')).status).toBe(200);
  });

  it('declares UUID ids as uuid, the model path parameter, and the export and tool-run bodies as they are', () => {
    const id = op('/conversations/{id}', 'get').parameters!.find((p) => p.name === 'id')!;
    expect(id.schema).toEqual({ type: 'string', format: 'uuid' });
    const me = op('/users/{id}/api-keys', 'get').parameters!.find((p) => p.name === 'id')!;
    expect(me.schema.anyOf).toEqual([{ type: 'string', format: 'uuid' }, { type: 'string', const: 'me' }]);
    expect(op('/models/{path}', 'get').parameters!.map((p) => p.name)).toContain('path');
    expect(op('/conversations/{id}/export', 'get').responses['200'].content['application/json'].schema).toEqual({ type: 'object' });
    expect(op('/conversations/{id}/export', 'get').parameters!.find((p) => p.name === 'format')!).toMatchObject({ required: false });
    const toolRun = (doc as any).components.schemas.ToolRunDto.properties;
    expect(toolRun.error.type).toEqual(['object', 'null']);
    expect((doc as any).components.schemas.ToolDto.properties.http.anyOf).toContainEqual({ type: 'null' });
    expect(JSON.stringify(doc)).not.toContain('"nullable"');
  });

  it('answers an undeclared method with 405 problem+json and Allow', async () => {
    const member = await registerUser('methods');
    const res = await api('DELETE', '/auth/login');
    expect(expectProblem(res, 405).detail).toMatch(/DELETE/);
    expect(res.headers.get('allow')).toBe('POST');
    const put = await api('PUT', `/conversations/00000000-0000-4000-8000-000000000000`, { token: member.accessToken, body: {} });
    expectProblem(put, 405);
    expect(put.headers.get('allow')?.split(', ')).toEqual(expect.arrayContaining(['DELETE', 'GET', 'PATCH']));
    // Also for a method with a body and no Content-Type (the parser would refuse it first).
    const query = await api('QUERY', '/models', { token: member.accessToken });
    expectProblem(query, 405);
    expect(query.headers.get('allow')).toBe('GET, HEAD');
    // A static path is not an id of its parametric sibling: DELETE /notifications/preferences is a 405, not a bad id.
    const shadowed = await api('DELETE', '/notifications/preferences', { token: member.accessToken });
    expectProblem(shadowed, 405);
    expect(shadowed.headers.get('allow')).toBe('GET, HEAD, PATCH');
    expect(expectProblem(await api('DELETE', '/notifications/not-an-id', { token: member.accessToken }), 400).errors?.[0]).toMatchObject({ field: 'id' });
    // A path no route has stays 404.
    expectProblem(await api('GET', '/no-such-thing', { token: member.accessToken }), 404);
  });
});
