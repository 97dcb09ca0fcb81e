import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

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
  SwaggerModule.setup(`${API_PREFIX}/docs`, app, document, { jsonDocumentUrl: `${API_PREFIX}/openapi.json`, raw: ['json'] });
  return document;
}
