import { parse } from 'csv-parse/sync';
import { isEmail } from 'class-validator';
import { Problems } from '../common/problem/problem.exception';
import type { ImportErrorDto } from './dto/admin-users.dto';

export interface ImportRow {
  line: number;
  email: string;
  name: string;
  role: string;
}

const REQUIRED = ['email', 'name'];
const KNOWN = ['email', 'name', 'role'];

/**
 * Parses `email,name,role` CSV (role optional, default member) and checks each row on its own:
 * good rows come back in `rows`, bad ones as errors with their line and field.
 */
export function parseUserCsv(text: string, maxRows: number, roles: ReadonlySet<string>): { rows: ImportRow[]; errors: ImportErrorDto[] } {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true, info: true, relax_column_count: true });
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw Problems.badRequest(`The CSV cannot be read: ${e.message}`, [{ field: 'body', message: e.lines ? `line ${e.lines}: ${e.message}` : e.message }]);
  }
  if (records.length > maxRows) throw Problems.badRequest(`At most ${maxRows} rows per import`, [{ field: 'body', message: `${records.length} rows` }]);
  const header = records.length ? Object.keys(records[0].record) : firstLine(text);
  const missing = REQUIRED.filter((c) => !header.includes(c));
  const unknown = header.filter((c) => !KNOWN.includes(c));
  if (missing.length || unknown.length) {
    throw Problems.validation([
      ...missing.map((c) => ({ field: c, message: `the header must have a "${c}" column` })),
      ...unknown.map((c) => ({ field: c, message: `unknown column "${c}" (expected email,name,role)` })),
    ]);
  }

  const rows: ImportRow[] = [];
  const errors: ImportErrorDto[] = [];
  for (const { record, info } of records) {
    const line = info.lines;
    const email = (record.email ?? '').toLowerCase();
    const name = record.name ?? '';
    const role = record.role || 'member';
    const before = errors.length;
    if (!email) errors.push({ line, field: 'email', message: 'email is required' });
    else if (email.length > 320 || !isEmail(email)) errors.push({ line, field: 'email', message: `"${email}" is not an email address` });
    if (!name) errors.push({ line, field: 'name', message: 'name is required' });
    else if (name.length > 200) errors.push({ line, field: 'name', message: 'name is longer than 200 characters' });
    if (!roles.has(role)) errors.push({ line, field: 'role', message: `no role named "${role}"` });
    if (errors.length === before) rows.push({ line, email, name, role });
  }
  return { rows, errors };
}

function firstLine(text: string): string[] {
  return (text.split(/\r?\n/, 1)[0] ?? '').split(',').map((c) => c.trim().toLowerCase()).filter(Boolean);
}
