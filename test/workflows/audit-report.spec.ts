import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createAuditRecordActivities } from '../../activities/audit/audit-record.activities';
import { createAuditReportActivities } from '../../activities/audit/audit-report.activities';
import { appendAuditEvents } from '../../shared/audit/audit-chain';
import { auditDraft } from '../../shared/audit/audit-draft';
import { AuditEvent, AuditReport, AuditReportPart, AuditReportStatus } from '../../shared/persistence/entities';
import { auditReportWorkflow } from '../../workflows';
import { AUDIT_REPORT_PAGE, AuditReportInput, auditReportProgressQuery, auditReportWorkflowId } from '../../workflows/audit-report/audit-report.contract';
import { openStores } from '../support/chat-turn-fixtures';
import { localTemporal, workflowsPath } from '../support/temporal-env';

// Real Temporal and the stack's Postgres; events are appended to the real chain under a unique action.
describe('auditReport workflow', () => {
  const taskQueue = `test-audit-report-${randomUUID()}`;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let orm: MikroORM;
  let closeStores: () => Promise<void>;
  const reports: string[] = [];

  beforeAll(async () => {
    ({ orm, close: closeStores } = await openStores());
    env = await localTemporal();
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
      activities: { ...createAuditReportActivities({ orm }), ...createAuditRecordActivities({ orm }) },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    if (reports.length) {
      await orm.em.fork().nativeDelete(AuditReportPart, { reportId: { $in: reports } });
      await orm.em.fork().nativeDelete(AuditReport, { id: { $in: reports } });
    }
    await closeStores?.();
  });

  async function seed(action: string, count: number) {
    const drafts = Array.from({ length: count }, (_, i) => auditDraft({ actorType: 'system', action, outcome: 'success', resourceType: 'spec', resourceId: String(i), userAgent: i === 3 ? 'x,"y"\nz' : null }));
    return appendAuditEvents(orm.em, drafts);
  }

  async function run(format: 'csv' | 'json', action: string) {
    const reportId = randomUUID();
    reports.push(reportId);
    const em = orm.em.fork();
    em.create(AuditReport, { id: reportId, requestedBy: randomUUID(), format, filters: { action } });
    await em.flush();
    const input: AuditReportInput = { reportId, format, filters: { action }, requestedBy: randomUUID() };
    const handle = await env.client.workflow.start(auditReportWorkflow, { taskQueue, workflowId: auditReportWorkflowId(reportId), args: [input] });
    const result = await handle.result();
    const parts = await orm.em.fork().find(AuditReportPart, { reportId }, { orderBy: { partNo: 'asc' } });
    const row = await orm.em.fork().findOneOrFail(AuditReport, reportId);
    return { result, handle, text: parts.map((p) => p.content).join(''), parts, row };
  }

  it('pages through every matching event (several pages) into JSON, with progress reaching 100', async () => {
    const action = `spec.report.${randomUUID()}`;
    const count = AUDIT_REPORT_PAGE * 2 + 37;
    const seqs = await seed(action, count);
    const { result, handle, text, parts, row } = await run('json', action);

    expect(result.rows).toBe(count);
    // Header, three pages, footer.
    expect(parts.map((p) => p.partNo)).toEqual([0, 1, 2, 3, 4]);
    const rows = JSON.parse(text) as { seq: number; action: string }[];
    expect(rows.map((r) => r.seq)).toEqual(seqs);
    expect(rows.every((r) => r.action === action)).toBe(true);
    expect(row).toMatchObject({ status: AuditReportStatus.Completed, total: count, processed: count });
    expect(await handle.query(auditReportProgressQuery)).toEqual({ status: 'completed', processed: count, total: count, percent: 100 });
  });

  it('writes CSV through the CSV library (quotes, commas and newlines escaped)', async () => {
    const action = `spec.report.${randomUUID()}`;
    await seed(action, 5);
    const { result, text } = await run('csv', action);
    expect(result.rows).toBe(5);
    expect(text.startsWith('seq,id,occurredAt,')).toBe(true);
    expect(text).toContain('"x,""y""\nz"');
  });

  it('an empty selection still completes with a valid file', async () => {
    const { result, text, row } = await run('json', `spec.nothing.${randomUUID()}`);
    expect(result.rows).toBe(0);
    expect(JSON.parse(text)).toEqual([]);
    expect(row.status).toBe(AuditReportStatus.Completed);
  });

  it('recordAuditEvent appends once per event id (activity retries do not duplicate)', async () => {
    const { recordAuditEvent } = createAuditRecordActivities({ orm });
    const eventId = randomUUID();
    const input = { eventId, action: 'approval.decided', outcome: 'approved', resource: { type: 'approval', id: randomUUID() }, actorUserId: randomUUID(), actorRole: 'admin', before: { status: 'pending' }, after: { status: 'approved' }, context: { workflowId: 'approval:x' } };
    const first = await recordAuditEvent(input);
    const again = await recordAuditEvent(input);
    expect(first.seq).toEqual(expect.any(Number));
    expect(again.seq).toBeNull();
    const rows = await orm.em.fork().find(AuditEvent, { id: eventId });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ seq: first.seq, actorType: 'user', outcome: 'approved', before: { status: 'pending' }, after: { status: 'approved' } });
  });

  it('recordAuditEvent takes a business key as event id: one stable UUID per key, once', async () => {
    const { recordAuditEvent } = createAuditRecordActivities({ orm });
    const requestId = randomUUID();
    const input = { eventId: `approval:${requestId}:approved`, action: 'approval.approved', outcome: 'approved', resource: { type: 'approval', id: requestId } };
    const first = await recordAuditEvent(input);
    expect(first.seq).toEqual(expect.any(Number));
    expect((await recordAuditEvent(input)).seq).toBeNull();
    // Another outcome of the same request is another event.
    const other = await recordAuditEvent({ ...input, eventId: `approval:${requestId}:expired`, action: 'approval.expired', outcome: 'expired' });
    expect(other.seq).toBeGreaterThan(first.seq!);
    const rows = await orm.em.fork().find(AuditEvent, { resourceType: 'approval', resourceId: requestId }, { orderBy: { seq: 'asc' } });
    expect(rows.map((r) => [r.action, r.actorType])).toEqual([['approval.approved', 'system'], ['approval.expired', 'system']]);
    expect(rows[0].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
