import type { INestApplication, PipeTransform } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { IS_PUBLIC } from './auth/principal';
import { UuidParamPipe } from './pipes/uuid-param.pipe';

export const API_PREFIX = 'api/v3';

/** OpenAPI 3.1 generated from the controllers and DTOs, served as JSON and as Swagger UI. */
export function setupOpenApi(app: INestApplication) {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Gateway API v3')
    .setDescription('Self-hosted AI chat and automation gateway. Errors are application/problem+json (RFC 9457).')
    .setVersion('3.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Access token (JWT) or API key (gk_…)' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.security = [{ bearer: [] }];
  documentProblems(document);
  documentFromHandlers(app, document);
  toOpenApi31Nullables(document);
  SwaggerModule.setup(`${API_PREFIX}/docs`, app, document, { jsonDocumentUrl: `${API_PREFIX}/openapi.json`, raw: ['json'] });
  return document;
}

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', example: 'about:blank' },
    title: { type: 'string', example: 'Validation failed' },
    status: { type: 'integer', example: 400 },
    detail: { type: 'string', example: 'email: email must be an email' },
    instance: { type: 'string', example: '/api/v3/auth/register' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      description: 'Per-field validation errors',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

/** Every operation may answer an RFC 9457 problem; document it once for all of them. */
function documentProblems(document: OpenAPIObject) {
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas.Problem = PROBLEM_SCHEMA as never;
  const problem = { description: 'Error (application/problem+json)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item as Record<string, { responses?: Record<string, unknown> }>)) {
      if (op && typeof op === 'object' && op.responses) op.responses.default ??= problem;
    }
  }
}

type Operation = { operationId?: string; security?: unknown[]; parameters?: { name: string; in: string; schema?: Record<string, unknown> }[] };

/**
 * What the decorators already say, carried into the document so it cannot drift: a @Public() route
 * needs no credential (security: []), and a path parameter behind the UUID pipe is a uuid.
 * Operation ids are Nest's default, `<Controller>_<method>`.
 */
function documentFromHandlers(app: INestApplication, document: OpenAPIObject) {
  const operations = new Map<string, Operation>();
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item as Record<string, Operation>)) if (op?.operationId) operations.set(op.operationId, op);
  }
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') continue;
      const controller = metatype as { name: string; prototype: Record<string, unknown> };
      const publicController = Reflect.getMetadata(IS_PUBLIC, controller) === true;
      for (const method of Object.getOwnPropertyNames(controller.prototype)) {
        const op = operations.get(`${controller.name}_${method}`);
        const handler = controller.prototype[method];
        if (!op || typeof handler !== 'function') continue;
        if (publicController || Reflect.getMetadata(IS_PUBLIC, handler) === true) op.security = [];
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<string, { data?: unknown; pipes?: PipeTransform[] }>;
        for (const [key, arg] of Object.entries(args)) {
          if (Number(key.split(':')[0]) !== RouteParamtypes.PARAM || typeof arg.data !== 'string') continue;
          const pipe = arg.pipes?.find((p): p is UuidParamPipe => p instanceof UuidParamPipe);
          const param = op.parameters?.find((p) => p.in === 'path' && p.name === arg.data);
          if (!pipe || !param) continue;
          const alias = pipe.aliasValue;
          param.schema = alias === undefined ? { type: 'string', format: 'uuid' } : { anyOf: [{ type: 'string', format: 'uuid' }, { type: 'string', const: alias }] };
        }
      }
    }
  }
}

/** The generator writes OpenAPI 3.0's `nullable: true`; in 3.1 (JSON Schema) null is a type. */
function toOpenApi31Nullables(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(toOpenApi31Nullables);
  if (!node || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (schema.nullable === true) {
    delete schema.nullable;
    if (schema.$ref || schema.allOf || schema.oneOf || schema.anyOf) {
      // A composed schema: null is one more alternative (a type list would still run allOf on null).
      const inner = { ...schema };
      for (const k of Object.keys(schema)) if (!['description', 'example', 'default', 'title'].includes(k)) delete schema[k];
      schema.anyOf = [inner, { type: 'null' }];
    } else if (typeof schema.type === 'string') schema.type = [schema.type, 'null'];
    else if (Array.isArray(schema.type)) schema.type = [...new Set([...(schema.type as string[]), 'null'])];
  }
  for (const value of Object.values(schema)) toOpenApi31Nullables(value);
}
