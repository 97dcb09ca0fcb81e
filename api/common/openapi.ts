import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

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
