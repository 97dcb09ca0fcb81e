import { api, expectProblem } from '../support/api-client';
import { uniqueEmail } from '../support/accounts';
import { waitForEmail } from '../support/mailbox';

describe('platform', () => {
  it('reports Postgres, Redis, Temporal (and Elasticsearch when it is the search engine) as up', async () => {
    const res = await api('GET', '/monitoring/health');
    expect(res.status).toBe(200);
    expect(res.body.components.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['postgres', 'up'],
      ['redis', 'up'],
      ['temporal', 'up'],
      ...(process.env.SEARCH_ENGINE === 'postgres' ? [] : [['elasticsearch', 'up']]),
    ]);
  });

  it.each(['database', 'cache', 'temporal', 'search'])('reports %s health on its own', async (part) => {
    const res = await api('GET', `/monitoring/health/${part}`);
    expect(res.status).toBe(200);
    expect(res.body.components).toHaveLength(1);
    expect(res.body.components[0].status).toBe('up');
  });

  it('answers unknown routes with a problem', async () => {
    const res = await api('GET', '/does-not-exist');
    expectProblem(res, 404);
  });

  it('echoes a well-formed X-Request-Id and makes one otherwise', async () => {
    const given = await api('GET', '/monitoring/health/live', { headers: { 'x-request-id': 'my-req-1' } });
    expect(given.headers.get('x-request-id')).toBe('my-req-1');
    const made = await api('GET', '/monitoring/health/live', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves OpenAPI 3.1 and the Swagger UI', async () => {
    const spec = await api('GET', '/openapi.json');
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toBe('3.1.0');
    expect(Object.keys(spec.body.paths)).toContain('/api/v3/monitoring/health');
    const ui = await fetch(`${process.env.API_HOST ? `http://${process.env.API_HOST}:${process.env.API_PORT}` : 'http://127.0.0.1:3000'}/api/v3/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('carries the request id into the workflows the request starts (the verification mail is sent with it)', async () => {
    const email = uniqueEmail('trace');
    const requestId = `trace-${Date.now()}`;
    const res = await api('POST', '/auth/register', { body: { email, password: 'correct horse battery', name: 'Trace' }, headers: { 'x-request-id': requestId } });
    expect(res.status).toBe(202);
    const mail = await waitForEmail(email);
    expect(mail.headers['x-request-id']).toBe(requestId);
  });
});
