import type { Readable } from 'node:stream';
import contentDisposition from 'content-disposition';
import type { FastifyReply } from 'fastify';
import rangeParser from 'range-parser';
import { isTextType } from '../../shared/files/content-type';
import type { FileStorage } from '../../shared/files/file-storage';
import type { StoredFile } from '../../shared/persistence/entities';
import { ProblemException } from '../common/problem/problem.exception';

/** What the browser may show in place: raster images, PDFs, plain text. Never HTML, SVG or anything scriptable. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'application/pdf', 'text/plain']);

export interface FileBody {
  status: 200 | 206;
  headers: Record<string, string>;
  stream: Readable;
}

export interface DownloadRequest {
  range?: string;
  ifRange?: string;
  disposition?: 'attachment' | 'inline';
}

/**
 * A file's bytes as an HTTP answer: one byte range (206) when asked for and still valid (If-Range against
 * the ETag), 416 for a range past the end, the whole file otherwise (several ranges are answered whole).
 * The name goes out as RFC 6266 `filename` (ASCII fallback) plus RFC 5987 `filename*` (UTF-8), the type
 * with nosniff and a sandboxing CSP, so no upload ever runs as this origin's page.
 */
export async function fileBody(storage: FileStorage, file: StoredFile, req: DownloadRequest, cacheControl = 'private, no-cache'): Promise<FileBody> {
  const size = file.sizeBytes;
  const etag = `"${file.sha256}"`;
  const inline = req.disposition === 'inline' && INLINE_TYPES.has(file.mimeType);
  const headers: Record<string, string> = {
    'content-type': isTextType(file.mimeType) ? `${file.mimeType}; charset=utf-8` : file.mimeType,
    // The quoted `filename` is pure ASCII (Latin-1 bytes in a header are read differently by each client); `filename*` carries the real name.
    'content-disposition': contentDisposition(file.name, { type: inline ? 'inline' : 'attachment', fallback: file.name.replace(/[^\x20-\x7e]/g, '?') }),
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cross-origin-resource-policy': 'same-origin',
    'accept-ranges': 'bytes',
    etag,
    'last-modified': file.createdAt.toUTCString(),
    'cache-control': cacheControl,
  };

  const useRange = req.range !== undefined && (req.ifRange === undefined || req.ifRange === etag);
  const ranges = useRange ? rangeParser(size, req.range!, { combine: true }) : -2;
  if (ranges === -1) {
    throw new ProblemException(416, 'Range not satisfiable', `the file has ${size} bytes`, { sizeBytes: size }, { 'content-range': `bytes */${size}` });
  }
  if (Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1) {
    const { start, end } = ranges[0];
    headers['content-range'] = `bytes ${start}-${end}/${size}`;
    headers['content-length'] = String(end - start + 1);
    return { status: 206, headers, stream: await storage.open(file.storageKey, { start, end }) };
  }
  headers['content-length'] = String(size);
  return { status: 200, headers, stream: await storage.open(file.storageKey) };
}

export function sendFileBody(reply: FastifyReply, body: FileBody): FastifyReply {
  return reply.status(body.status).headers(body.headers).send(body.stream);
}
