import { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ZipFile } from 'yazl';
import { FileMissingError, type FileStorage } from '../../shared/files/file-storage';

export const UPLOADS_README = [
  'Uploaded files:',
  '  files.json               metadata of each file you uploaded (name, detected type, size, SHA-256, status)',
  '  file-shares.json         the share links you made for them (without their tokens)',
  '  conversation-files.json  which of your conversations each file is attached to',
  '  files/<id>/<name>        the files themselves, byte for byte',
];

/** In place of bytes lost from storage (the export still completes). */
const MISSING = 'The stored bytes of this file were missing when this export was made.\n';

const FILE_COLUMNS = ['id', 'name', 'mime_type', 'declared_type', 'size_bytes', 'sha256', 'status', 'status_detail', 'text_chars', 'chunk_count', 'page_count', 'created_at', 'updated_at', 'processed_at'];

/** A name that stays inside its folder in any unzip tool. */
function entryName(name: string): string {
  return name.replace(/[/\\:*?"<>|]/g, '_').replace(/^\.+/, '_') || 'file';
}

/** The user's uploads: three JSON files of metadata and every stored file's bytes, each streamed when zipped. */
export async function addUploadedFiles(zip: ZipFile, em: EntityManager, storage: FileStorage, userId: string): Promise<void> {
  const conn = em.getConnection();
  const rows = await conn.execute<Record<string, unknown>[]>(`select ${FILE_COLUMNS.join(', ')}, storage_key from files where owner_id = ? order by created_at, id`, [userId]);
  const files = rows.map(({ storage_key: _key, ...meta }) => meta);
  const shares = await conn.execute('select s.id, s.file_id, s.expires_at, s.created_at, s.revoked_at from file_shares s join files f on f.id = s.file_id where f.owner_id = ? order by s.created_at, s.id', [userId]);
  const links = await conn.execute('select cf.conversation_id, cf.file_id, cf.created_at from conversation_files cf join files f on f.id = cf.file_id where f.owner_id = ? order by cf.created_at, cf.id', [userId]);
  zip.addBuffer(Buffer.from(`${JSON.stringify(files, null, 1)}\n`), 'files.json');
  zip.addBuffer(Buffer.from(`${JSON.stringify(shares, null, 1)}\n`), 'file-shares.json');
  zip.addBuffer(Buffer.from(`${JSON.stringify(links, null, 1)}\n`), 'conversation-files.json');
  for (const f of rows) {
    // Lazy: one file open at a time, however many the user has.
    zip.addReadStreamLazy(`files/${String(f.id)}/${entryName(String(f.name))}`, (done) => {
      storage.open(String(f.storage_key)).then(
        (stream) => done(null, stream),
        (err: unknown) => (err instanceof FileMissingError ? done(null, Readable.from([MISSING])) : done(err, undefined as never)),
      );
    });
  }
}
