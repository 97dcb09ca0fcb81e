import { randomUUID } from 'node:crypto';
import { loginAdmin, registerUser, TestAccount, uniqueEmail } from '../support/accounts';
import { api, expectProblem } from '../support/api-client';
import { sql } from '../support/db';

interface AuditRow {
  id: string;
  seq: string;
  actor_type: string;
  actor_user_id: string | null;
  actor_role: string | null;
  actor_email: string | null;
  session_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  outcome: string;
  status_code: number | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

let ipSeq = 0;
const freshIp = () => `198.51.${(process.pid % 200) + 1}.${(ipSeq++ % 250) + 1}`;
const rid = (tag: string) => `audit-e2e-${tag}-${randomUUID()}`;

/** Audit rows are appended in batches (~150 ms): wait for `count` rows with this request id. */
async function auditRows(requestId: string, count = 1): Promise<AuditRow[]> {
  for (let i = 0; ; i++) {
    const rows = await sql<AuditRow>('select * from audit_events where request_id = ? order by seq', [requestId]);
    if (rows.length >= count || i >= 50) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function until<T>(fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (done(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('audit trail', () => {
  let admin: string;
  let member: TestAccount;
  let viewer: TestAccount;

  beforeAll(async () => {
    admin = await loginAdmin();
    member = await registerUser('audit-member');
    viewer = await registerUser('audit-viewer');
    expect((await api('PATCH', `/users/${viewer.id}`, { token: admin, body: { role: 'viewer' } })).status).toBe(200);
  });

  describe('capture', () => {
    it('records register and login with the attempted email, ip and request id, and never a password or token', async () => {
      const email = uniqueEmail('audit-secret');
      const password = `pw-${randomUUID()}`;
      const ip = freshIp();
      const regId = rid('register');
      const reg = await api('POST', '/auth/register', { body: { email, password, name: 'Secret keeper' }, headers: { 'x-request-id': regId, 'x-forwarded-for': ip } });
      expect(reg.status).toBe(202);
      const loginId = rid('login');
      const login = await api('POST', '/auth/login', { body: { email, password }, headers: { 'x-request-id': loginId, 'x-forwarded-for': ip } });
      expect(login.status).toBe(200);
      const badId = rid('bad-login');
      expect((await api('POST', '/auth/login', { body: { email, password: `${password}-wrong` }, headers: { 'x-request-id': badId, 'x-forwarded-for': ip } })).status).toBe(401);
      const forgotId = rid('forgot');
      await api('POST', '/auth/forgot-password', { body: { email }, headers: { 'x-request-id': forgotId, 'x-forwarded-for': ip } });
      const refreshId = rid('refresh');
      expect((await api('POST', '/auth/refresh', { body: { refreshToken: login.body.refreshToken }, headers: { 'x-request-id': refreshId } })).status).toBe(200);

      const [r] = await auditRows(regId);
      expect(r).toMatchObject({ action: 'POST /auth/register', actor_type: 'anonymous', actor_email: email, outcome: 'success', status_code: 202, ip, request_id: regId });
      expect((await auditRows(loginId))[0]).toMatchObject({ action: 'POST /auth/login', actor_email: email, outcome: 'success', status_code: 200, ip });
      expect((await auditRows(badId))[0]).toMatchObject({ action: 'POST /auth/login', actor_email: email, outcome: 'denied', status_code: 401 });
      expect((await auditRows(forgotId))[0]).toMatchObject({ action: 'POST /auth/forgot-password', actor_email: email });
      expect((await auditRows(refreshId))[0]).toMatchObject({ action: 'POST /auth/refresh', actor_email: null });

      // No column of any row holds the password or the tokens the API handed out.
      for (const secret of [password, reg.body.accessToken, reg.body.refreshToken, login.body.accessToken, login.body.refreshToken]) {
        const [{ n }] = await sql<{ n: string }>(`select count(*) as n from audit_events a where row_to_json(a)::text like ?`, [`%${secret}%`]);
        expect(Number(n)).toBe(0);
      }
    });

    it('records an authenticated change with the user, session, role, ip and user agent', async () => {
      const requestId = rid('rename');
      const ip = freshIp();
      const res = await api('PATCH', '/users/me', { token: member.accessToken, body: { name: 'Audited member' }, headers: { 'x-request-id': requestId, 'x-forwarded-for': ip, 'user-agent': 'audit-e2e/1.0' } });
      expect(res.status).toBe(200);
      const [row] = await auditRows(requestId);
      expect(row).toMatchObject({ action: 'PATCH /users/me', actor_type: 'user', actor_user_id: member.id, actor_role: 'member', actor_email: member.email, ip, user_agent: 'audit-e2e/1.0', outcome: 'success', status_code: 200, resource_type: 'users' });
      expect(row.session_id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('does not record reads or rejected input', async () => {
      const readId = rid('read');
      const badId = rid('invalid');
      await api('GET', '/users/me', { token: member.accessToken, headers: { 'x-request-id': readId } });
      expectProblem(await api('PATCH', '/users/me', { token: member.accessToken, body: { name: '' }, headers: { 'x-request-id': badId } }), 400);
      // A later audited request from the same client has been flushed, so these would be too.
      const markId = rid('mark');
      await api('PATCH', '/users/me', { token: member.accessToken, body: { name: 'Mark' }, headers: { 'x-request-id': markId } });
      expect(await auditRows(markId)).toHaveLength(1);
      expect(await sql('select id from audit_events where request_id in (?, ?)', [readId, badId])).toEqual([]);
    });

    it('records 403 and 401 denials', async () => {
      const forbiddenId = rid('forbidden');
      expectProblem(await api('POST', '/users', { token: member.accessToken, body: { email: uniqueEmail('never'), name: 'x', role: 'member' }, headers: { 'x-request-id': forbiddenId } }), 403);
      const [denied] = await auditRows(forbiddenId);
      expect(denied).toMatchObject({ action: 'POST /users', actor_user_id: member.id, actor_role: 'member', outcome: 'denied', status_code: 403 });

      const anonId = rid('anon');
      const target = randomUUID();
      expectProblem(await api('DELETE', `/users/${target}`, { headers: { 'x-request-id': anonId } }), 401);
      expect((await auditRows(anonId))[0]).toMatchObject({ action: 'DELETE /users/:id', actor_type: 'anonymous', actor_user_id: null, resource_type: 'users', resource_id: target, outcome: 'denied', status_code: 401 });
    });

    it('records a role change with before and after', async () => {
      const subject = await registerUser('audit-role');
      const requestId = rid('role');
      expect((await api('PATCH', `/users/${subject.id}`, { token: admin, body: { role: 'viewer' }, headers: { 'x-request-id': requestId } })).status).toBe(200);
      const rows = await auditRows(requestId, 2);
      const change = rows.find((r) => r.action === 'user.access_changed');
      expect(change).toMatchObject({ resource_type: 'user', resource_id: subject.id, actor_role: 'admin', before: { role: 'member', status: 'active' }, after: { role: 'viewer', status: 'active' } });
      expect(rows.find((r) => r.action === 'PATCH /users/:id')).toMatchObject({ resource_id: subject.id, status_code: 200 });

      // A rename is audited as a request, not as an access change.
      const renameId = rid('rename-other');
      await api('PATCH', `/users/${subject.id}`, { token: admin, body: { name: 'Just a name' }, headers: { 'x-request-id': renameId } });
      expect((await auditRows(renameId)).map((r) => r.action)).toEqual(['PATCH /users/:id']);
    });
  });

  describe('access', () => {
    const routes: [string, string, () => string, unknown][] = [
      ['GET /audit/events', 'GET', () => '/audit/events', undefined],
      ['GET /audit/events/:id', 'GET', () => `/audit/events/${randomUUID()}`, undefined],
      ['POST /audit/reports', 'POST', () => '/audit/reports', { format: 'csv' }],
      ['GET /audit/reports/:id', 'GET', () => `/audit/reports/${randomUUID()}`, undefined],
      ['GET /audit/reports/:id/download', 'GET', () => `/audit/reports/${randomUUID()}/download`, undefined],
      ['GET /audit/compliance', 'GET', () => '/audit/compliance', undefined],
    ];

    it.each(routes)('%s: member and viewer 403, no token 401', async (_label, method, path, body) => {
      for (const token of [member.accessToken, viewer.accessToken]) expectProblem(await api(method, path(), { token, body }), 403);
      expectProblem(await api(method, path(), { body }), 401);
    });

    it('no report was started by the denied attempts', async () => {
      const [{ n }] = await sql<{ n: string }>('select count(*) as n from audit_reports where requested_by in (?, ?)', [member.id, viewer.id]);
      expect(Number(n)).toBe(0);
    });

    it('bad input is a 400 problem, an unknown id a 404', async () => {
      for (const q of ['limit=0', 'limit=1000', 'from=yesterday', 'cursor=bm90LWEtY3Vyc29y', 'statusCode=abc', 'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z']) {
        expectProblem(await api('GET', `/audit/events?${q}`, { token: admin }), 400);
      }
      expectProblem(await api('GET', '/audit/events/not-a-uuid', { token: admin }), 400);
      expectProblem(await api('GET', `/audit/events/${randomUUID()}`, { token: admin }), 404);
      expectProblem(await api('GET', `/audit/reports/${randomUUID()}`, { token: admin }), 404);
      expectProblem(await api('POST', '/audit/reports', { token: admin, body: { format: 'xml' } }), 400);
      expectProblem(await api('POST', '/audit/reports', { token: admin, body: { format: 'csv', filters: { statusCode: 'x' } } }), 400);
    });
  });

  describe('search and reports', () => {
    let actor: TestAccount;
    const agent = 'audit-e2e, "quoted" agent';
    const requestIds: string[] = [];

    beforeAll(async () => {
      actor = await registerUser('audit-search');
      for (let i = 0; i < 5; i++) {
        const requestId = rid(`search-${i}`);
        requestIds.push(requestId);
        await api('PATCH', '/users/me', { token: actor.accessToken, body: { name: `Search ${i}` }, headers: { 'x-request-id': requestId, 'user-agent': agent } });
      }
      const deniedId = rid('search-denied');
      requestIds.push(deniedId);
      await api('POST', '/users', { token: actor.accessToken, body: { email: uniqueEmail('x'), name: 'x', role: 'member' }, headers: { 'x-request-id': deniedId, 'user-agent': agent } });
      await auditRows(deniedId);
    });

    const search = (q: string) => api('GET', `/audit/events?${q}`, { token: admin });

    it('filters by actor, action, outcome, resource, time range and text, newest first', async () => {
      const all = await search(`actor=${actor.id}&limit=100`);
      expect(all.status).toBe(200);
      const mine = all.body.items as { seq: number; actor: { userId: string }; action: string; requestId: string }[];
      expect(mine.every((e) => e.actor.userId === actor.id)).toBe(true);
      expect(mine.map((e) => e.requestId)).toEqual(expect.arrayContaining(requestIds));
      expect(mine.map((e) => e.seq)).toEqual([...mine.map((e) => e.seq)].sort((a, b) => b - a));

      const byEmail = await search(`actor=${encodeURIComponent(actor.email)}&action=${encodeURIComponent('PATCH /users/me')}`);
      expect(byEmail.body.items).toHaveLength(5);

      const denied = await search(`actor=${actor.id}&outcome=denied`);
      expect(denied.body.items.map((e: { action: string; statusCode: number }) => [e.action, e.statusCode])).toEqual([['POST /users', 403]]);
      expect((await search(`actor=${actor.id}&statusCode=403`)).body.items).toHaveLength(1);

      const byText = await search(`q=${encodeURIComponent(requestIds[2])}`);
      expect(byText.body.items.map((e: { requestId: string }) => e.requestId)).toEqual([requestIds[2]]);

      expect((await search(`actor=${actor.id}&resourceType=users`)).body.items.length).toBeGreaterThanOrEqual(6);
      expect((await search(`actor=${actor.id}&to=2000-01-01T00:00:00Z`)).body.items).toEqual([]);
      const since = new Date(Date.now() - 10 * 60_000).toISOString();
      expect((await search(`actor=${actor.id}&from=${encodeURIComponent(since)}`)).body.items.length).toBe(mine.length);
    });

    it('pages with a cursor by seq without repeats', async () => {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: { seq: number }[]; nextCursor: string | null } } = await search(`actor=${actor.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((e) => e.seq));
        cursor = page.body.nextCursor;
      } while (cursor);
      const full = (await search(`actor=${actor.id}&limit=100`)).body.items.map((e: { seq: number }) => e.seq);
      expect(seen).toEqual(full);
    });

    it('GET /audit/events/:id returns one event with its hashes', async () => {
      const [row] = await auditRows(requestIds[0]);
      const res = await api('GET', `/audit/events/${row.id}`, { token: admin });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: row.id, seq: Number(row.seq), action: 'PATCH /users/me', userAgent: agent, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    });

    async function finished(format: 'csv' | 'json') {
      const start = await api('POST', '/audit/reports', { token: admin, body: { format, filters: { actor: actor.id } } });
      expect(start.status).toBe(202);
      expect(start.body).toMatchObject({ workflowId: `audit-report:${start.body.id}`, status: 'running', format });
      const done = await until(() => api('GET', `/audit/reports/${start.body.id}`, { token: admin }), (r) => r.body.status !== 'running');
      expect(done.body).toMatchObject({ status: 'completed', percent: 100, downloadUrl: `/api/v3/audit/reports/${start.body.id}/download` });
      expect(done.body.processed).toBe(done.body.total);
      const file = await fetch(`${process.env.API_HOST ? `http://${process.env.API_HOST}` : 'http://127.0.0.1'}:${process.env.API_PORT ?? '3000'}${done.body.downloadUrl}`, { headers: { authorization: `Bearer ${admin}` } });
      expect(file.status).toBe(200);
      return { report: done.body, file, text: await file.text() };
    }

    it('writes a CSV report, escaped, with one row per matching event', async () => {
      const expected = (await search(`actor=${actor.id}&limit=100`)).body.items as { seq: number; requestId: string }[];
      const { report, file, text } = await finished('csv');
      expect(file.headers.get('content-type')).toContain('text/csv');
      expect(file.headers.get('content-disposition')).toContain(`audit-report-${report.id}.csv`);
      const lines = text.trimEnd().split('\n');
      expect(lines[0].startsWith('seq,id,occurredAt,actorType,actorUserId')).toBe(true);
      expect(lines).toHaveLength(expected.length + 1);
      expect(report.total).toBe(expected.length);
      // Ascending seq, and the comma-and-quote user agent quoted per RFC 4180.
      expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(expected.map((e) => e.seq).reverse());
      expect(text).toContain('"audit-e2e, ""quoted"" agent"');
      for (const id of requestIds) expect(text).toContain(id);
    });

    it('writes a JSON report of the same events', async () => {
      const expected = (await search(`actor=${actor.id}&limit=100`)).body.items as { seq: number; id: string }[];
      const { file, text } = await finished('json');
      expect(file.headers.get('content-type')).toContain('application/json');
      const rows = JSON.parse(text) as { seq: number; id: string; userAgent: string; actorUserId: string }[];
      expect(rows.map((r) => r.id)).toEqual(expected.map((e) => e.id).reverse());
      expect(rows.every((r) => r.actorUserId === actor.id)).toBe(true);
      expect(rows.find((r) => r.userAgent === agent)).toBeDefined();
    });

    it('a report still running cannot be downloaded yet (409); a missing one is 404', async () => {
      const id = randomUUID();
      await sql(`insert into audit_reports (id, requested_by, format, filters, status, total, processed, created_at) values (?, ?, 'csv', '{}', 'running', 10, 4, now())`, [id, member.id]);
      try {
        expect((await api('GET', `/audit/reports/${id}`, { token: admin })).body).toMatchObject({ status: 'running', percent: 40, processed: 4, total: 10 });
        expectProblem(await api('GET', `/audit/reports/${id}/download`, { token: admin }), 409);
      } finally {
        await sql('delete from audit_reports where id = ?', [id]);
      }
      expectProblem(await api('GET', `/audit/reports/${randomUUID()}/download`, { token: admin }), 404);
    });
  });

  describe('workflow decisions', () => {
    type EventDto = { action: string; outcome: string; actor: { type: string; userId: string | null }; resource: { type: string; id: string }; context: Record<string, any> };
    const events = async (query: string) => {
      const res = await api('GET', `/audit/events?${query}&limit=100`, { token: admin });
      expect(res.status).toBe(200);
      return res.body.items as EventDto[];
    };

    it('an approval decided in its workflow is recorded with the decider; the chain verifies', async () => {
      const adminId = (await api('GET', '/users/me', { token: admin })).body.id as string;
      const created = await api('POST', '/approvals', { token: admin, body: { kind: 'tool-run', title: `Audit ${randomUUID().slice(0, 8)}`, deciders: { roles: ['admin'] }, requesterId: member.id } });
      expect(created.status).toBe(202);
      const id = created.body.id as string;
      await until(() => api('GET', `/approvals/${id}`, { token: admin }), (r) => r.status === 200);
      expect(await events(`action=approval.approved&resourceId=${id}`)).toEqual([]);

      const approved = await api('POST', `/approvals/${id}/approve`, { token: admin, body: { comment: 'fine' } });
      expect(approved.status).toBe(200);
      // The decision returns once the workflow has recorded it: no waiting for a batch.
      const recorded = await events(`action=approval.approved&resourceId=${id}`);
      expect(recorded).toEqual([
        expect.objectContaining({
          outcome: 'approved',
          actor: expect.objectContaining({ type: 'user', userId: adminId }),
          resource: { type: 'approval', id },
          context: expect.objectContaining({ workflowId: `approval:${id}`, decision: 'approve', decidedBy: adminId, requesterId: member.id }),
        }),
      ]);
      expect(await events(`action=approval.rejected&resourceId=${id}`)).toEqual([]);
      expect((await api('GET', '/audit/compliance', { token: admin })).body).toMatchObject({ ok: true });
    });

    it('a chat turn refused by a budget is recorded as budget.refused with the scope, limit, remaining amount and model; the chain verifies', async () => {
      const spender = await registerUser('audit-budget');
      const budget = await api('PUT', '/billing/budgets', { token: admin, body: { scopeType: 'user', scopeId: spender.id, window: 'daily', limitUsd: '0.0001' } });
      expect(budget.status).toBe(200);
      const refused = expectProblem(await api('POST', '/chat', { token: spender.accessToken, body: { message: 'hi', model: 'openai/gpt-4o', maxTokens: 1000 } }), 402) as { limitUsd?: string; remainingUsd?: string; requiredUsd?: string };

      const recorded = await until(() => events(`action=budget.refused&actor=${spender.id}`), (e) => e.length > 0);
      expect(recorded).toEqual([
        expect.objectContaining({
          outcome: 'denied',
          actor: expect.objectContaining({ userId: spender.id }),
          resource: { type: 'budget', id: budget.body.id },
          context: expect.objectContaining({
            scope: { type: 'user', id: spender.id },
            window: 'daily',
            limitUsd: refused.limitUsd,
            remainingUsd: refused.remainingUsd,
            requiredUsd: refused.requiredUsd,
            model: 'openai/gpt-4o',
          }),
        }),
      ]);
      expect(Number(recorded[0].context.limitUsd)).toBe(0.0001);
      expect((await api('GET', '/audit/compliance', { token: admin })).body).toMatchObject({ ok: true });
    });
  });

  describe('tamper evidence', () => {
    const compliance = async () => {
      const res = await api('GET', '/audit/compliance', { token: admin });
      expect(res.status).toBe(200);
      return res.body as { ok: boolean; verified: number; firstBrokenSeq?: number; reason?: string };
    };

    async function victim(): Promise<AuditRow & { json: string }> {
      const requestId = rid('victim');
      await api('PATCH', '/users/me', { token: member.accessToken, body: { name: 'Victim' }, headers: { 'x-request-id': requestId } });
      const [row] = await auditRows(requestId);
      // Later events, so the victim sits inside the chain, not at its end.
      const afterId = rid('after-victim');
      await api('PATCH', '/users/me', { token: member.accessToken, body: { name: 'After' }, headers: { 'x-request-id': afterId } });
      await auditRows(afterId);
      const [{ j }] = await sql<{ j: string }>('select row_to_json(a)::text as j from audit_events a where id = ?', [row.id]);
      return { ...row, json: j };
    }

    it('an intact chain verifies', async () => {
      const report = await compliance();
      expect(report).toMatchObject({ ok: true });
      expect(report.verified).toBeGreaterThan(10);
    });

    it('a row altered in Postgres is reported at its seq', async () => {
      const row = await victim();
      await sql('update audit_events set ip = ? where id = ?', ['203.0.113.66', row.id]);
      try {
        expect(await compliance()).toMatchObject({ ok: false, firstBrokenSeq: Number(row.seq), reason: 'hash mismatch' });
      } finally {
        await sql('update audit_events set ip = ? where id = ?', [row.ip, row.id]);
      }
      expect((await compliance()).ok).toBe(true);
    });

    it('a row with a forged hash is reported at its seq', async () => {
      const row = await victim();
      await sql('update audit_events set hash = ? where id = ?', ['e'.repeat(64), row.id]);
      try {
        const report = await compliance();
        expect(report).toMatchObject({ ok: false, firstBrokenSeq: Number(row.seq) });
      } finally {
        await sql('update audit_events set hash = (?::json ->> \'hash\') where id = ?', [row.json, row.id]);
      }
    });

    it('a deleted row is reported as a gap at its seq', async () => {
      const row = await victim();
      await sql('delete from audit_events where id = ?', [row.id]);
      try {
        expect(await compliance()).toMatchObject({ ok: false, firstBrokenSeq: Number(row.seq), reason: 'gap' });
      } finally {
        await sql('insert into audit_events select * from json_populate_record(null::audit_events, ?::json)', [row.json]);
      }
      expect((await compliance()).ok).toBe(true);
    });
  });
});
