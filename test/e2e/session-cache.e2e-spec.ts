import { registerUser } from '../support/accounts';
import { api } from '../support/api-client';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { sql } from '../support/db';

/** Polls GET /users/me until it answers `status`; returns how long that took (ms), or fails after `withinMs`. */
async function meAnswers(token: string, status: number, withinMs: number, apiUrl?: string): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const res = await api('GET', '/users/me', { token, ...(apiUrl ? { apiUrl } : {}) });
    if (res.status === status) return Date.now() - t0;
    if (Date.now() - t0 > withinMs) throw new Error(`GET /users/me still answers ${res.status} after ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Sessions and the user row are cached per API process; every change to those rows, whoever writes
// it, invalidates them (Postgres triggers → NOTIFY auth_changes).
describe('session cache', () => {
  it("sees the API's own writes on the very next request", async () => {
    const u = await registerUser('cache-own');
    for (let i = 0; i < 10; i++) {
      await api('GET', '/users/me', { token: u.accessToken });
      const renamed = await api('PATCH', '/users/me', { token: u.accessToken, body: { name: `Name ${i}` } });
      expect(renamed.status).toBe(200);
      expect((await api('GET', '/users/me', { token: u.accessToken })).body.name).toBe(`Name ${i}`);
    }
    expect((await api('POST', '/auth/logout', { token: u.accessToken })).status).toBe(204);
    expect((await api('GET', '/users/me', { token: u.accessToken })).status).toBe(401);
  });

  it('drops a session revoked, a user suspended or renamed outside the API (a worker, psql)', async () => {
    const revoked = await registerUser('cache-sql-revoke');
    expect((await api('GET', '/users/me', { token: revoked.accessToken })).status).toBe(200);
    await sql("update sessions set revoked_at = now(), revoked_reason = 'spec' where user_id = ?", [revoked.id]);
    expect(await meAnswers(revoked.accessToken, 401, 2_000)).toBeLessThan(2_000);

    const suspended = await registerUser('cache-sql-suspend');
    expect((await api('GET', '/users/me', { token: suspended.accessToken })).status).toBe(200);
    await sql("update users set status = 'suspended' where id = ?", [suspended.id]);
    expect(await meAnswers(suspended.accessToken, 401, 2_000)).toBeLessThan(2_000);

    const renamed = await registerUser('cache-sql-rename');
    expect((await api('GET', '/users/me', { token: renamed.accessToken })).body.name).toBe('Test cache-sql-rename');
    await sql("update users set name = 'Renamed in SQL' where id = ?", [renamed.id]);
    const t0 = Date.now();
    let name = '';
    while (Date.now() - t0 < 2_000 && name !== 'Renamed in SQL') name = (await api('GET', '/users/me', { token: renamed.accessToken })).body.name;
    expect(name).toBe('Renamed in SQL');
  });

  describe('across API processes', () => {
    let other: ApiProcess;
    beforeAll(async () => {
      other = await startApiProcess();
    }, 60_000);
    afterAll(() => other?.stop());

    it('a logout in one process ends the session in the other', async () => {
      const u = await registerUser('cache-cross');
      expect((await api('GET', '/users/me', { token: u.accessToken, apiUrl: other.apiUrl })).status).toBe(200);
      expect((await api('POST', '/auth/logout', { token: u.accessToken })).status).toBe(204);
      expect(await meAnswers(u.accessToken, 401, 1_000, other.apiUrl)).toBeLessThan(1_000);
    });
  });
});
