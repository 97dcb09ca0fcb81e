import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemException } from './problem.exception';

/**
 * Which methods each registered path answers, so a request that matches a path but not its method
 * gets 405 with Allow (RFC 9110) instead of Fastify's 404. Filled by an onRoute hook; looked up only
 * on the not-found path, never on a matched request.
 */
export class RouteMethods {
  private readonly routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  add(url: string, methods: string | string[]) {
    let route = this.routes.get(url);
    if (!route) {
      route = { pattern: toPattern(url), methods: new Set() };
      this.routes.set(url, route);
    }
    for (const m of [methods].flat()) route.methods.add(m.toUpperCase());
  }

  /** Methods allowed on `path` (no query string), sorted; empty when no route has that path. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.routes.values()) if (route.pattern.test(path)) route.methods.forEach((m) => methods.add(m));
    return [...methods].sort();
  }

  /** Methods of a route registered with exactly this path (no parameters), sorted. */
  staticMethods(path: string): string[] {
    const route = this.routes.get(path) ?? this.routes.get(path.replace(/\/$/, ''));
    return route ? [...route.methods].sort() : [];
  }

  /** Registers the hook: call before the application's routes are registered (before init/listen). */
  track(fastify: FastifyInstance) {
    fastify.addHook('onRoute', (route) => this.add(route.url ?? route.path, route.method));
  }
}

/** find-my-way syntax as Nest emits it: `:param` is one segment, `*` the rest of the path. */
function toPattern(url: string): RegExp {
  const source = url
    .split(/(:[A-Za-z0-9_]+|\*)/)
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`);
}

export const routeMethods = new RouteMethods();

/**
 * For a request no route matched (whatever failed first: the router, or body parsing on the way to
 * the not-found handler): 405 with Allow when the path exists for other methods, else undefined.
 */
export function methodNotAllowed(request: FastifyRequest): ProblemException | undefined {
  const path = request.url.split('?')[0];
  let allowed: string[] = [];
  if (request.is404) allowed = routeMethods.allowed(path);
  else if (/[:*]/.test(request.routeOptions?.url ?? '')) {
    // A static path reached through a parametric route of another method (DELETE /notifications/preferences
    // lands on DELETE /notifications/:id and fails its id check): the static path's methods are the answer.
    allowed = routeMethods.staticMethods(path);
  }
  if (!allowed.length || allowed.includes(request.method)) return undefined;
  return new ProblemException(HttpStatus.METHOD_NOT_ALLOWED, 'Method not allowed', `${request.method} is not allowed here; allowed: ${allowed.join(', ')}`, {}, { Allow: allowed.join(', ') });
}
