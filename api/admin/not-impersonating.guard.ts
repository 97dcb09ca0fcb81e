import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { AuthenticatedRequest } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';

/** Administration is never reachable with an impersonation token (belt and braces: such tokens also lack admin permissions). */
@Injectable()
export class NotImpersonatingGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (principal?.impersonatedBy) throw Problems.forbidden('Administration is not available while impersonating a user');
    return true;
  }
}
