import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Permission } from '../../../shared/domain/roles';
import type { SessionUser } from './session-cache';

/** Who is calling: resolved once per request by the AuthGuard. */
export interface Principal {
  userId: string;
  email: string;
  role: string;
  permissions: ReadonlySet<Permission>;
  /** Set when authenticated with an access token (a login session). */
  sessionId?: string;
  /** Set when authenticated with an API key. */
  apiKeyId?: string;
  /** Access tokens: the user row as read with the session (as current as the session check). */
  account?: SessionUser;
  /** Set when an admin is acting as this user (POST /admin/users/:id/impersonate): the admin's user id. */
  impersonatedBy?: string;
}

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

export const IS_PUBLIC = 'auth:public';
export const REQUIRED_PERMISSIONS = 'auth:permissions';

/** The route needs no credentials. A valid bearer, if sent, is still resolved. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The caller needs every listed permission (role permissions narrowed by API key scopes). */
export const RequirePermissions = (...permissions: Permission[]) => SetMetadata(REQUIRED_PERMISSIONS, permissions);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal | undefined => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
});

export function hasPermission(principal: Principal, permission: Permission): boolean {
  return principal.permissions.has(permission);
}
