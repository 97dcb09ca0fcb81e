import { Readable } from 'node:stream';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import { ZipFile } from 'yazl';
import type { FileStorage } from '../../shared/files/file-storage';
import { UserExport, UserExportChunk, UserExportPage, UserExportStatus } from '../../shared/persistence/entities';
import { USER_EXPORT_AREAS, USER_EXPORT_PAGE, type UserExportArea } from '../../workflows/user-export/user-export.contract';
import { EXPORT_AREAS } from './export-areas';
import { addUploadedFiles, UPLOADS_README } from './export-uploads';

export interface UserExportActivityDeps {
  orm: MikroORM;
  /** Uploaded files go into the ZIP too (files/<id>/<name>). */
  storage: FileStorage;
}

/** ZIP bytes per stored chunk. */
const CHUNK_BYTES = 1024 * 1024;
const PAGES_PER_READ = 20;

function readme(exportId: string, userId: string, items: number): string {
  return [
    'Your data export',
    '',
    `Export ${exportId} for user ${userId}, made ${new Date().toISOString()}; ${items} records.`,
    '',
    'One JSON file per area, each an array of records as stored (timestamps in UTC, amounts in USD):',
    ...USER_EXPORT_AREAS.map((a) => `  ${a}.json`),
    '',
    'Secrets are left out: password, API key, token and share-link hashes, MFA secrets, webhook secrets.',
    'audit-events.json lists the audited actions you took.',
    '',
    ...UPLOADS_README,
    '',
  ].join('\n');
}

export function createUserExportActivities(deps: UserExportActivityDeps) {
  /** An area's JSON file, streamed from its stored pages: `[` pages joined by `,` `]`. */
  function areaFile(exportId: string, area: UserExportArea): Readable {
    const em = deps.orm.em.fork();
    async function* text() {
      yield '[\n';
      let first = true;
      for (let from = 0; ; from += PAGES_PER_READ) {
        const rows = await em.find(UserExportPage, { export: exportId, area, pageNo: { $gte: from, $lt: from + PAGES_PER_READ } }, { orderBy: { pageNo: 'asc' } });
        for (const row of rows) {
          yield `${first ? '' : ',\n'}${row.content}`;
          first = false;
        }
        em.clear();
        if (rows.length < PAGES_PER_READ) break;
      }
      yield '\n]\n';
    }
    return Readable.from(text());
  }

  return {
    /** The page of `area` after the keyset cursor `after`, stored as page `pageNo`; returns its size and last key. */
    async collectUserExportPage(input: { exportId: string; userId: string; area: UserExportArea; pageNo: number; after: string | null }): Promise<{ rows: number; last: string | null }> {
      const spec = EXPORT_AREAS[input.area];
      const knex = deps.orm.em.getKnex();
      const where = `(${spec.where})${input.after === null ? '' : ` and ${spec.key} > :after`}`;
      const bindings = { user: input.userId, ...(input.after === null ? {} : { after: input.after }) };
      const sql = `select ${spec.columns.join(', ')} from ${spec.table} where ${where} order by ${spec.key} asc limit ${USER_EXPORT_PAGE}`;
      const { rows } = (await knex.raw(sql, bindings)) as { rows: Record<string, unknown>[] };
      const em = deps.orm.em.fork();
      if (rows.length) {
        const content = rows.map((r) => JSON.stringify(r)).join(',\n');
        await em.createQueryBuilder(UserExportPage).insert({ export: input.exportId, area: input.area, pageNo: input.pageNo, content }).onConflict(['export', 'area', 'pageNo']).merge(['content']);
      }
      await em.getConnection().execute('update user_exports set items = items + ? where id = ?', [rows.length, input.exportId]);
      const last = rows.length ? String(rows[rows.length - 1][spec.key]) : input.after;
      return { rows: rows.length, last };
    },

    /**
     * Streams the pages into a ZIP (one JSON file per area and a README.txt) and stores it in chunks,
     * then marks the export completed and drops the pages. Built already (a retry after the commit): returns it.
     */
    async buildUserExportZip(input: { exportId: string; items: number }): Promise<{ sizeBytes: number }> {
      const em = deps.orm.em.fork();
      const exp = await em.findOneOrFail(UserExport, input.exportId, { populate: ['user'] });
      if (exp.status === UserExportStatus.Completed) return { sizeBytes: exp.sizeBytes };
      await em.nativeDelete(UserExportChunk, { export: input.exportId });

      const zip = new ZipFile();
      zip.addBuffer(Buffer.from(readme(exp.id, exp.user.id, input.items)), 'README.txt');
      for (const area of USER_EXPORT_AREAS) zip.addReadStream(areaFile(exp.id, area), `${area}.json`);
      // Read at zip time (not paged by the workflow): the workflow's history stays as it was before files existed.
      await addUploadedFiles(zip, em.fork(), deps.storage, exp.user.id);
      zip.end();

      let size = 0;
      let chunkNo = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        if (!pendingBytes) return;
        await em.fork().createQueryBuilder(UserExportChunk).insert({ export: exp.id, chunkNo: chunkNo++, data: Buffer.concat(pending) });
        pending = [];
        pendingBytes = 0;
        Context.current().heartbeat({ chunkNo });
      };
      for await (const buf of zip.outputStream as AsyncIterable<Buffer>) {
        pending.push(buf);
        pendingBytes += buf.length;
        size += buf.length;
        if (pendingBytes >= CHUNK_BYTES) await flush();
      }
      await flush();

      await em.transactional(async (tx) => {
        await tx.nativeUpdate(UserExport, { id: exp.id }, { status: UserExportStatus.Completed, sizeBytes: size, items: input.items, areasDone: USER_EXPORT_AREAS.length, completedAt: new Date() });
        await tx.nativeDelete(UserExportPage, { export: exp.id });
      });
      return { sizeBytes: size };
    },

    async failUserExport(input: { exportId: string; error: string }): Promise<void> {
      await deps.orm.em.fork().nativeUpdate(UserExport, { id: input.exportId }, { status: UserExportStatus.Failed, error: input.error.slice(0, 2000), completedAt: new Date() });
    },
  };
}

export type UserExportActivities = ReturnType<typeof createUserExportActivities>;
