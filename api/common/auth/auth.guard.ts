import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Permission } from '../../../shared/domain/roles';
import { Problems } from '../problem/problem.exception';
import { Authenticator } from './authenticator.service';
import { AuthenticatedRequest, IS_PUBLIC, REQUIRED_PERMISSIONS } from './principal';

function bearerOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ');
  return scheme?.toLowerCase() === 'bearer' && value ? value.trim() : undefined;
}

/** Global guard: every route needs a live credential unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets);
    const bearer = bearerOf(request.headers.authorization);

    if (bearer) request.principal = await this.authenticator.authenticate(bearer, request.ip);
    if (isPublic) return true;
    if (!request.principal) {
      throw bearer ? Problems.unauthorized('The access token or API key is invalid, expired or revoked') : Problems.unauthorized();
    }
    const required = this.reflector.getAllAndOverride<Permission[]>(REQUIRED_PERMISSIONS, targets) ?? [];
    const missing = required.filter((p) => !request.principal!.permissions.has(p));
    if (missing.length) throw Problems.forbidden(`Missing permission: ${missing.join(', ')}`);
    return true;
  }
}
