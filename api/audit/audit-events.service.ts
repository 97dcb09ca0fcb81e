import { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { verifyAuditChain } from '../../shared/audit/audit-chain';
import { anchorKeyFrom } from '../../shared/audit/audit-hash';
import { auditWhere } from '../../shared/audit/audit-filters';
import { AppConfig } from '../../shared/config/app-config';
import { AuditEvent } from '../../shared/persistence/entities';
import { Problems } from '../common/problem/problem.exception';
import { AuditEventDto, AuditEventPageDto, ComplianceReportDto, ListAuditEventsQueryDto } from './dto/audit.dto';

/** Cursor = the last seq returned (newest first), opaque to clients. */
function encodeSeqCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodeSeqCursor(cursor: string | undefined): number | undefined {
  if (!cursor) return undefined;
  const m = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw Problems.badRequest('cursor is not a cursor returned by this API', [{ field: 'cursor', message: 'invalid cursor' }]);
  return Number(m[1]);
}

/** Reading the audit trail and checking its chain (callers hold audit:read; the controller enforces it). */
@Injectable()
export class AuditEventsService {
  private readonly anchorKey: Buffer;

  constructor(
    private readonly em: EntityManager,
    config: AppConfig,
  ) {
    this.anchorKey = anchorKeyFrom(config.DATA_ENCRYPTION_KEY);
  }

  async search(query: ListAuditEventsQueryDto): Promise<AuditEventPageDto> {
    if (query.from && query.to && new Date(query.from) >= new Date(query.to)) {
      throw Problems.validation([{ field: 'to', message: 'to must be after from' }]);
    }
    const before = decodeSeqCursor(query.cursor);
    const where: FilterQuery<AuditEvent> = before === undefined ? auditWhere(query) : { $and: [auditWhere(query), { seq: { $lt: before } }] };
    const rows = await this.em.find(AuditEvent, where, { orderBy: { seq: 'desc' }, limit: query.limit + 1 });
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    return { items: page.map(AuditEventDto.from), nextCursor: more ? encodeSeqCursor(page[page.length - 1].seq) : null };
  }

  async get(id: string): Promise<AuditEventDto> {
    const event = await this.em.findOne(AuditEvent, id);
    if (!event) throw Problems.notFound('Audit event');
    return AuditEventDto.from(event);
  }

  async compliance(): Promise<ComplianceReportDto> {
    const result = await verifyAuditChain(this.em, this.anchorKey);
    return { ...result, checkedAt: new Date().toISOString() };
  }
}
