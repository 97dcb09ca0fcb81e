import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { WorkflowIdReusePolicy, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Permission } from '../../shared/domain/roles';
import { currentRequestId } from '../../shared/observability/request-context';
import { Approval, User } from '../../shared/persistence/entities';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import type { approvalWorkflow } from '../../workflows';
import {
  APPROVAL_CLOSED_ERROR,
  APPROVAL_WORKFLOW,
  approvalWorkflowId,
  ApprovalDecision,
  ApprovalInput,
  decideUpdate,
  DEFAULT_APPROVAL_TIMEOUT,
  durationMs,
} from '../../workflows/approval/approval.contract';
import type { Principal } from '../common/auth/principal';
import { afterCursor, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { FieldError, ProblemException, Problems } from '../common/problem/problem.exception';
import { canDecide, canSee, effectiveStatus, isDecider } from './approval-rules';
import type { ApprovalDto, ApprovalPageDto, ApprovalRequestedDto, CreateApprovalDto, ListApprovalsQueryDto } from './dto/approval.dto';

const MAX_TIMEOUT_MS = 90 * 24 * 3600_000;
const MIN_TIMEOUT_MS = 5_000;
const MIN_REMINDER_MS = 60_000;
const MAX_DETAILS_BYTES = 16 * 1024;

export type ApprovalRequest = Omit<ApprovalInput, 'requestId'> & { requestId?: string };

/** Human approvals: the rules (who sees, who decides), the workflow start and the decide update. */
@Injectable()
export class ApprovalsService {
  constructor(
    private readonly em: EntityManager,
    private readonly temporal: TemporalClient,
  ) {}

  /** Starts an `approval:<id>` workflow (interactive queue); other modules call this. */
  async request(req: ApprovalRequest): Promise<ApprovalRequestedDto> {
    const expiresAt = this.deadline(req);
    const input: ApprovalInput = { ...req, requestId: req.requestId ?? randomUUID(), expiresAt: expiresAt.toISOString(), timeout: undefined, originRequestId: req.originRequestId ?? currentRequestId() };
    const workflowId = approvalWorkflowId(input.requestId);
    await this.temporal.workflow.start<typeof approvalWorkflow>(APPROVAL_WORKFLOW, {
      workflowId,
      taskQueue: this.temporal.queue('interactive'),
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: SA.kind, value: 'approval' },
        { key: SA.status, value: 'pending' },
        { key: SA.userId, value: input.requesterId },
        ...(input.originRequestId ? [{ key: SA.requestId, value: input.originRequestId }] : []),
      ],
    });
    return { id: input.requestId, workflowId, status: 'pending', expiresAt: input.expiresAt! };
  }

  async create(p: Principal, dto: CreateApprovalDto): Promise<ApprovalRequestedDto> {
    const requesterId = dto.requesterId ?? p.userId;
    if (requesterId !== p.userId && !p.permissions.has(Permission.ApprovalsManage)) throw Problems.forbidden('Only approvals managers may request on behalf of another user');
    if (dto.details && Buffer.byteLength(JSON.stringify(dto.details)) > MAX_DETAILS_BYTES) {
      throw Problems.validation([{ field: 'details', message: `details must be at most ${MAX_DETAILS_BYTES} bytes of JSON` }]);
    }
    if (!(await this.em.count(User, { id: requesterId, deletedAt: null }))) throw Problems.notFound('User');
    return this.request({
      kind: dto.kind,
      subject: { title: dto.title, details: dto.details },
      requesterId,
      deciders: { roles: dto.deciders.roles ?? [], userIds: (dto.deciders.userIds ?? []).map((id) => id.toLowerCase()) },
      allowSelfApproval: dto.allowSelfApproval ?? false,
      expiresAt: dto.expiresAt,
      timeout: dto.timeout,
      reminders: dto.reminders,
    });
  }

  async list(p: Principal, q: ListApprovalsQueryDto): Promise<ApprovalPageDto> {
    const scope = q.mine
      ? { requester: p.userId, ...(q.status ? { status: q.status } : {}) }
      : {
          status: q.status ?? 'pending',
          $and: [
            { $or: [{ deciderRoles: { $contains: [p.role] } }, { deciderUserIds: { $contains: [p.userId] } }] },
            { $or: [{ requester: { $ne: p.userId } }, { allowSelfApproval: true }] },
          ],
        };
    if (!q.mine && !p.permissions.has(Permission.ApprovalsDecide)) return { items: [], nextCursor: null };
    const rows = await this.em.find(
      Approval,
      { ...scope, ...(q.kind ? { kind: q.kind } : {}), ...afterCursor(decodeCursor(q.cursor)) },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: q.limit + 1 },
    );
    return toPage(rows, q.limit, (a) => this.toDto(a, p));
  }

  async get(p: Principal, id: string): Promise<ApprovalDto> {
    return this.toDto(await this.visible(p, id), p);
  }

  /** 404 when the caller cannot see it, 403 when they can see but not decide, 409 once it is closed. */
  async decide(p: Principal, id: string, decision: ApprovalDecision, comment?: string): Promise<ApprovalDto> {
    const approval = await this.visible(p, id);
    if (!canDecide(approval, p)) {
      throw Problems.forbidden(approval.requester.id === p.userId && isDecider(approval, p) ? 'You may not decide your own request' : 'You are not one of the deciders of this request');
    }
    if (effectiveStatus(approval) !== 'pending') throw this.closed(approval, p);
    try {
      await this.temporal.workflow
        .getHandle<typeof approvalWorkflow>(approvalWorkflowId(id))
        .executeUpdate(decideUpdate, { args: [{ decision, deciderId: p.userId, comment }] });
    } catch (err) {
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type === APPROVAL_CLOSED_ERROR) throw this.closed(await this.reload(approval), p, cause.message);
      if (cause instanceof ApplicationFailure) throw Problems.badRequest(cause.message);
      // The workflow already finished (expired or decided a moment ago): the stored row says how.
      if (err instanceof WorkflowNotFoundError || /completed|not found/i.test((err as Error).message)) throw this.closed(await this.reload(approval), p);
      throw err;
    }
    return this.toDto(await this.reload(approval), p);
  }

  private deadline(req: ApprovalRequest): Date {
    const errors: FieldError[] = [];
    const roles = req.deciders.roles ?? [];
    const userIds = req.deciders.userIds ?? [];
    if (!roles.length && !userIds.length) errors.push({ field: 'deciders', message: 'deciders needs at least one role or user id' });
    let deadline: number | undefined;
    if (req.expiresAt !== undefined) {
      deadline = Date.parse(req.expiresAt);
      if (Number.isNaN(deadline)) errors.push({ field: 'expiresAt', message: 'expiresAt must be an ISO 8601 date-time' });
    } else {
      const ms = durationMs(req.timeout ?? DEFAULT_APPROVAL_TIMEOUT);
      if (ms === undefined) errors.push({ field: 'timeout', message: 'timeout must be an ISO 8601 duration such as P3D or PT12H' });
      else deadline = Date.now() + ms;
    }
    if (deadline !== undefined && !Number.isNaN(deadline)) {
      const ms = deadline - Date.now();
      const field = req.expiresAt !== undefined ? 'expiresAt' : 'timeout';
      if (ms < MIN_TIMEOUT_MS) errors.push({ field, message: `${field} must leave at least ${MIN_TIMEOUT_MS / 1000} seconds to decide` });
      if (ms > MAX_TIMEOUT_MS) errors.push({ field, message: `${field} must be at most 90 days away` });
    }
    (req.reminders ?? []).forEach((r, i) => {
      const ms = durationMs(r);
      if (ms === undefined || ms < MIN_REMINDER_MS) errors.push({ field: `reminders.${i}`, message: 'each reminder must be an ISO 8601 duration of at least PT1M' });
    });
    if (errors.length) throw Problems.validation(errors);
    return new Date(deadline!);
  }

  private async visible(p: Principal, id: string): Promise<Approval> {
    const a = await this.em.findOne(Approval, id);
    if (!a || !canSee(a, p)) throw Problems.notFound('Approval');
    return a;
  }

  private async reload(a: Approval): Promise<Approval> {
    return this.em.refreshOrFail(a);
  }

  private closed(a: Approval, p: Principal, reason?: string): ProblemException {
    const dto = this.toDto(a, p);
    return new ProblemException(409, 'Conflict', reason ?? `The approval is already ${dto.status}`, { approval: dto });
  }

  private toDto(a: Approval, p: Principal): ApprovalDto {
    const status = effectiveStatus(a);
    return {
      id: a.id,
      workflowId: approvalWorkflowId(a.id),
      kind: a.kind,
      title: a.title,
      details: a.details,
      requesterId: a.requester.id,
      deciders: { roles: a.deciderRoles, userIds: a.deciderUserIds },
      allowSelfApproval: a.allowSelfApproval,
      status,
      decision: a.decision,
      decidedBy: a.decidedBy,
      decidedAt: a.decidedAt,
      comment: a.comment,
      expiresAt: a.expiresAt,
      createdAt: a.createdAt,
      canDecide: status === 'pending' && canDecide(a, p),
    };
  }
}
