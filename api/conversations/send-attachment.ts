import type { FastifyReply } from 'fastify';
import type { ExportFile } from './conversation-export.format';

/** Download headers; nosniff and a closed CSP so an HTML export can never run as this origin's page. */
export function sendAttachment(reply: FastifyReply, file: ExportFile): string {
  void reply.headers({
    'content-type': file.contentType,
    'content-disposition': `attachment; filename="${file.filename}"`,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
  });
  return file.body;
}
