import type { AuditDraftInput } from '../../shared/audit/audit-draft';
import type { AuthenticatedRequest } from '../common/auth/principal';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Public auth routes where the attempted email is worth keeping (never the rest of the body). */
const EMAIL_ROUTES = new Set(['POST /auth/login', 'POST /auth/register', 'POST /auth/forgot-password']);

/** `/users/:id/sessions/:sessionId` → the last parameter and the segment naming it: sessions, <sessionId>. */
export function resourceOf(template: string, params: Record<string, string>): { resourceType: string | null; resourceId: string | null } {
  const segments = template.split('/').filter(Boolean);
  let resourceType: string | null = segments.find((s) => !s.startsWith(':')) ?? null;
  let resourceId: string | null = null;
  segments.forEach((s, i) => {
    if (!s.startsWith(':') || i === 0 || segments[i - 1].startsWith(':')) return;
    resourceType = segments[i - 1];
    resourceId = params[s.slice(1)] ?? null;
  });
  return { resourceType, resourceId };
}

/**
 * The audit event for a finished request, or null when it is not audited: reads, unmatched routes,
 * and failures other than 401/403 (those changed nothing and are not access decisions).
 * Only route params are kept from the request; bodies, tokens and headers other than the user agent never are.
 */
export function requestAuditEvent(req: AuthenticatedRequest, statusCode: number, prefix: string): AuditDraftInput | null {
  if (!STATE_CHANGING.has(req.method)) return null;
  const denied = statusCode === 401 || statusCode === 403;
  if (statusCode >= 400 && !denied) return null;
  const route = req.routeOptions?.url;
  if (!route) return null;
  const template = route.startsWith(prefix) ? route.slice(prefix.length) || '/' : route;
  const action = `${req.method} ${template}`;
  const p = req.principal;
  const body = req.body as { email?: unknown } | undefined;
  const attemptedEmail = !p && EMAIL_ROUTES.has(action) && typeof body?.email === 'string' ? body.email : null;
  const ua = req.headers['user-agent'];
  return {
    occurredAt: new Date(),
    actorType: p ? (p.apiKeyId ? 'api-key' : 'user') : 'anonymous',
    actorUserId: p?.userId,
    actorRole: p?.role,
    actorEmail: p?.email ?? attemptedEmail,
    sessionId: p?.sessionId,
    apiKeyId: p?.apiKeyId,
    action,
    ...resourceOf(template, (req.params ?? {}) as Record<string, string>),
    outcome: denied ? 'denied' : 'success',
    statusCode,
    ip: req.ip,
    userAgent: typeof ua === 'string' ? ua : null,
    requestId: req.id,
  };
}
