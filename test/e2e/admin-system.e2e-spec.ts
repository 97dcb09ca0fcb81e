import { login, loginAdmin, registerUser } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { sql } from '../support/db';

describe('admin: system', () => {
  let admin: string;
  beforeAll(async () => {
    admin = await loginAdmin();
  });

  it('reports health, cheap process and queue figures, and the effective config with secrets redacted', async () => {
    const health = await api('GET', '/admin/system/health', { token: admin });
    expect(health.status).toBe(200);
    expect(health.body.components.map((c: { name: string }) => c.name)).toEqual(['postgres', 'redis', 'temporal', ...(process.env.SEARCH_ENGINE === 'postgres' ? [] : ['elasticsearch'])]);

    const metrics = await api('GET', '/admin/system/metrics', { token: admin });
    expect(metrics.body.process.uptimeSeconds).toBeGreaterThan(0);
    expect(metrics.body.memory.heapUsedBytes).toBeGreaterThan(0);
    expect(metrics.body.eventLoopLagMs).toEqual({ mean: expect.any(Number), p50: expect.any(Number), p99: expect.any(Number), max: expect.any(Number) });
    // The workers poll both queues.
    for (const q of metrics.body.taskQueues) expect(q).toMatchObject({ name: expect.any(String), workflow: { pollers: expect.any(Number), backlog: expect.any(Number) } });
    expect(metrics.body.taskQueues.some((q: { workflow: { pollers: number } }) => q.workflow.pollers > 0)).toBe(true);

    const config = await api('GET', '/admin/system/config', { token: admin });
    const env = config.body.environment;
    expect(env.JWT_SECRET).toBe('[redacted]');
    expect(env.DATA_ENCRYPTION_KEY).toBe('[redacted]');
    expect(env.DATABASE_URL).toContain('[redacted]@');
    expect(JSON.stringify(config.body)).not.toContain(process.env.JWT_SECRET ?? 'no-secret-in-env');
    expect(env.API_PORT).toEqual(expect.any(Number));
    expect(config.body.runtime).toMatchObject({ version: expect.any(Number), settings: expect.objectContaining({ impersonationTtlMinutes: expect.any(Number) }) });
  });

  describe('runtime config across processes', () => {
    let second: ApiProcess;
    beforeAll(async () => {
      second = await startApiProcess();
    }, 40_000);
    afterAll(() => second.stop());

    const onSecond = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${second.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      return { status: res.status, body: (await res.json()) as any };
    };

    it('stores versions, validates, refuses a stale version, applies everywhere without a restart, audits', async () => {
      const start = (await api('GET', '/admin/system/config', { token: admin })).body.runtime.version as number;
      expectProblem(await api('PATCH', '/admin/system/config', { token: admin, body: { impersonationTtlMinutes: 0 } }), 400);
      expectProblem(await api('PATCH', '/admin/system/config', { token: admin, body: { logLevel: 'loud' } }), 400);
      expectProblem(await api('PATCH', '/admin/system/config', { token: admin, body: { maxUsers: 3 } }), 400);
      expectProblem(await api('PATCH', '/admin/system/config', { token: admin, body: { expectedVersion: start + 5, bulkImportMaxRows: 2 } }), 409);

      const patched = await api('PATCH', '/admin/system/config', { token: admin, body: { expectedVersion: start, bulkImportMaxRows: 2, announcement: 'upgrade tonight' } });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ version: start + 1, settings: { bulkImportMaxRows: 2, announcement: 'upgrade tonight' } });

      // The other process sees it within a second, through the bus.
      let seen: { version: number } | undefined;
      for (let i = 0; i < 20 && seen?.version !== start + 1; i++) {
        seen = (await onSecond('GET', '/admin/system/config', admin)).body.runtime;
        if (seen?.version !== start + 1) await new Promise((r) => setTimeout(r, 50));
      }
      expect(seen).toMatchObject({ version: start + 1, settings: { bulkImportMaxRows: 2 } });
      // And applies it: a 3-row import is now too big there.
      const csv = await fetch(`${second.apiUrl}/admin/users/bulk-import`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' }, body: 'email,name\na@x.test,A\nb@x.test,B\nc@x.test,C' });
      expect(csv.status).toBe(400);

      // A change made on the second process comes back to the first.
      expect((await onSecond('PATCH', '/admin/system/config', admin, { bulkImportMaxRows: 1000, announcement: null })).status).toBe(200);
      let back: { version: number } | undefined;
      for (let i = 0; i < 20 && back?.version !== start + 2; i++) {
        back = (await api('GET', '/admin/system/config', { token: admin })).body.runtime;
        if (back?.version !== start + 2) await new Promise((r) => setTimeout(r, 50));
      }
      expect(back).toMatchObject({ version: start + 2, settings: { bulkImportMaxRows: 1000, announcement: null } });

      const versions = await sql<{ version: number }>('select version from system_config_versions where version > ? order by version', [start]);
      expect(versions.map((v) => v.version)).toEqual([start + 1, start + 2]);
      for (let i = 0; i < 30; i++) {
        if ((await sql("select 1 from audit_events where action = 'system.config_changed' and resource_id = ?", [String(start + 2)])).length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await sql("select 1 from audit_events where action = 'system.config_changed' and resource_id = ?", [String(start + 2)])).toHaveLength(1);
    });
  });

  it('a PATCH changes only the settings it names; logLevel null goes back to the boot level', async () => {
    const patch = (body: object) => api('PATCH', '/admin/system/config', { token: admin, body });
    const before = (await api('GET', '/admin/system/config', { token: admin })).body.runtime;
    const bootLevel = before.logLevelInForce as string;
    expect(bootLevel).toEqual(expect.any(String));
    try {
      expect((await patch({ chatStreamFromApi: false, impersonationTtlMinutes: 20 })).status).toBe(200);
      const after = await patch({ logLevel: 'silent' });
      expect(after.status).toBe(200);
      expect(after.body.settings).toMatchObject({ chatStreamFromApi: false, impersonationTtlMinutes: 20, logLevel: 'silent' });
      expect(after.body.logLevelInForce).toBe('silent');
      const restored = await patch({ logLevel: null });
      expect(restored.body.settings).toMatchObject({ chatStreamFromApi: false, impersonationTtlMinutes: 20, logLevel: null });
      expect(restored.body.logLevelInForce).toBe(bootLevel);
    } finally {
      await patch({ chatStreamFromApi: before.settings.chatStreamFromApi, impersonationTtlMinutes: before.settings.impersonationTtlMinutes, logLevel: null });
    }
  });

  it('maintenance: 503 + Retry-After for a member, an admin still works, health and login stay up', async () => {
    const member = await registerUser('maint-member');
    expectProblem(await api('POST', '/admin/system/maintenance', { token: member.accessToken, body: { enabled: true } }), 403);
    expectProblem(await api('POST', '/admin/system/maintenance', { token: admin, body: { enabled: 'yes' } }), 400);
    const on = await api('POST', '/admin/system/maintenance', { token: admin, body: { enabled: true, message: 'Upgrading the database', retryAfterSeconds: 120 } });
    try {
      expect(on.body).toMatchObject({ enabled: true, message: 'Upgrading the database', retryAfterSeconds: 120 });
      const blocked = await api('GET', '/users/me', { token: member.accessToken });
      expect(expectProblem(blocked, 503).detail).toBe('Upgrading the database');
      expect(blocked.headers.get('retry-after')).toBe('120');
      expectProblem(await api('GET', '/conversations'), 503);
      expect((await api('GET', '/users/me', { token: admin })).status).toBe(200);
      expect((await api('GET', '/monitoring/health/live')).status).toBe(200);
      expect((await login(member.email, member.password, { 'x-forwarded-for': '10.77.1.1' })).status).toBe(200);
    } finally {
      expect((await api('POST', '/admin/system/maintenance', { token: admin, body: { enabled: false } })).body.enabled).toBe(false);
    }
    expect((await api('GET', '/users/me', { token: member.accessToken })).status).toBe(200);
  });

  it('clears caches everywhere', async () => {
    const res = await api('POST', '/admin/system/cache/clear', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.cleared).toEqual(expect.arrayContaining(['roles', 'policies', 'settings', 'tool-results']));
    const member = await registerUser('cache-member');
    expectProblem(await api('POST', '/admin/system/cache/clear', { token: member.accessToken }), 403);
    // Permissions still resolve after the flush.
    expect((await api('GET', '/users/me', { token: member.accessToken })).status).toBe(200);
  });
});
