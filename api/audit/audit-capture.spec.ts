import type { AuthenticatedRequest } from '../common/auth/principal';
import { requestAuditEvent, resourceOf } from './audit-capture';

function req(over: Partial<Record<string, unknown>>): AuthenticatedRequest {
  return { method: 'POST', routeOptions: { url: '/api/v3/auth/login' }, params: {}, headers: { 'user-agent': 'jest' }, ip: '10.1.2.3', id: 'req-9', body: { email: 'Who@Example.test', password: 'hunter2-secret' }, ...over } as unknown as AuthenticatedRequest;
}

describe('request audit capture', () => {
  it('names the resource by the last route parameter', () => {
    expect(resourceOf('/users/:id', { id: 'u1' })).toEqual({ resourceType: 'users', resourceId: 'u1' });
    expect(resourceOf('/users/:id/sessions/:sessionId', { id: 'u1', sessionId: 's1' })).toEqual({ resourceType: 'sessions', resourceId: 's1' });
    expect(resourceOf('/conversations', {})).toEqual({ resourceType: 'conversations', resourceId: null });
  });

  it('keeps the attempted email of a login but nothing else from the body', () => {
    const e = requestAuditEvent(req({}), 401, '/api/v3')!;
    expect(e).toMatchObject({ action: 'POST /auth/login', actorType: 'anonymous', actorEmail: 'Who@Example.test', outcome: 'denied', statusCode: 401, ip: '10.1.2.3', requestId: 'req-9', userAgent: 'jest' });
    expect(JSON.stringify(e)).not.toContain('hunter2');
  });

  it('skips reads, unmatched routes and failures other than 401/403', () => {
    expect(requestAuditEvent(req({ method: 'GET' }), 200, '/api/v3')).toBeNull();
    expect(requestAuditEvent(req({ routeOptions: {} }), 401, '/api/v3')).toBeNull();
    expect(requestAuditEvent(req({}), 400, '/api/v3')).toBeNull();
    expect(requestAuditEvent(req({}), 429, '/api/v3')).toBeNull();
    expect(requestAuditEvent(req({}), 403, '/api/v3')).not.toBeNull();
  });

  it('takes the actor from the principal (API key wins over session)', () => {
    const principal = { userId: 'u1', email: 'a@b.c', role: 'admin', permissions: new Set(), apiKeyId: 'k1' };
    const e = requestAuditEvent(req({ method: 'DELETE', routeOptions: { url: '/api/v3/users/:id' }, params: { id: 'u2' }, principal }), 204, '/api/v3')!;
    expect(e).toMatchObject({ actorType: 'api-key', actorUserId: 'u1', apiKeyId: 'k1', actorEmail: 'a@b.c', action: 'DELETE /users/:id', resourceType: 'users', resourceId: 'u2', outcome: 'success' });
  });
});
