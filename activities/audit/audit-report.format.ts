import { stringify } from 'csv-stringify/sync';
import type { AuditEvent } from '../../shared/persistence/entities';
import type { AuditReportFormat } from '../../workflows/audit-report/audit-report.contract';

export const AUDIT_REPORT_COLUMNS = [
  'seq', 'id', 'occurredAt', 'actorType', 'actorUserId', 'actorRole', 'actorEmail', 'sessionId', 'apiKeyId', 'action',
  'resourceType', 'resourceId', 'outcome', 'statusCode', 'ip', 'userAgent', 'requestId', 'before', 'after', 'context', 'prevHash', 'hash',
] as const;

type Row = Record<(typeof AUDIT_REPORT_COLUMNS)[number], unknown>;

export function reportRow(e: AuditEvent): Row {
  return {
    seq: e.seq, id: e.id, occurredAt: e.occurredAt.toISOString(), actorType: e.actorType, actorUserId: e.actorUserId, actorRole: e.actorRole,
    actorEmail: e.actorEmail, sessionId: e.sessionId, apiKeyId: e.apiKeyId, action: e.action, resourceType: e.resourceType, resourceId: e.resourceId,
    outcome: e.outcome, statusCode: e.statusCode, ip: e.ip, userAgent: e.userAgent, requestId: e.requestId,
    before: e.before, after: e.after, context: e.context, prevHash: e.prevHash, hash: e.hash,
  };
}

/** Spreadsheets run cells starting with = + - @ as formulas (CSV injection); a leading quote keeps them text. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** The file's opening: the CSV header line, or the JSON array's bracket. */
export function reportHeader(format: AuditReportFormat): string {
  return format === 'csv' ? stringify([], { header: true, columns: [...AUDIT_REPORT_COLUMNS] }) : '[';
}

/** One page of rows; a JSON page after earlier rows starts with the separating comma. */
export function reportPage(format: AuditReportFormat, events: AuditEvent[], rowsBefore: number): string {
  if (!events.length) return '';
  if (format === 'csv') return stringify(events.map((e) => AUDIT_REPORT_COLUMNS.map((c) => csvCell(reportRow(e)[c]))));
  return (rowsBefore > 0 ? ',' : '') + events.map((e) => `\n${JSON.stringify(reportRow(e))}`).join(',');
}

export function reportFooter(format: AuditReportFormat): string {
  return format === 'csv' ? '' : '\n]\n';
}
