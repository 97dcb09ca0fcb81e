import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { currentRequestId } from '../../shared/observability/request-context';
import { Notification, User } from '../../shared/persistence/entities';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import type { notifyWorkflow } from '../../workflows';
import { NOTIFY_WORKFLOW, notifyWorkflowId, type NotificationContent } from '../../workflows/notify/notify.contract';
import type { Principal } from '../common/auth/principal';
import { afterCursor, decodeCursor, toPage } from '../common/pagination/cursor-page';
import { Problems } from '../common/problem/problem.exception';
import type { CreateNotificationDto, ListNotificationsQueryDto, MarkAllReadDto, NotificationDto, NotificationPageDto, NotificationQueuedDto } from './dto/notification.dto';

const MAX_DATA_BYTES = 16 * 1024;

function toDto(n: Notification): NotificationDto {
  return { id: n.id, category: n.category, title: n.title, body: n.body, link: n.link, data: n.data, read: n.readAt !== null, readAt: n.readAt, createdAt: n.createdAt };
}

/** The caller's inbox (only their own rows: anyone else's id is a 404) and the notify entry point for other modules. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly temporal: TemporalClient,
  ) {}

  /** Delivers a notification to a user through the notify workflow (in-app and/or email per their preferences). */
  async notify(userId: string, content: NotificationContent): Promise<NotificationQueuedDto> {
    const id = randomUUID();
    const workflowId = notifyWorkflowId(id);
    const requestId = currentRequestId();
    await this.temporal.workflow.start<typeof notifyWorkflow>(NOTIFY_WORKFLOW, {
      workflowId,
      taskQueue: this.temporal.queue('background'),
      args: [{ notificationId: id, userId, ...content, requestId }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: SA.kind, value: 'notification' },
        { key: SA.userId, value: userId },
        ...(requestId ? [{ key: SA.requestId, value: requestId }] : []),
      ],
    });
    return { id, workflowId };
  }

  async create(dto: CreateNotificationDto): Promise<NotificationQueuedDto> {
    if (dto.data && Buffer.byteLength(JSON.stringify(dto.data)) > MAX_DATA_BYTES) {
      throw Problems.validation([{ field: 'data', message: `data must be at most ${MAX_DATA_BYTES} bytes of JSON` }]);
    }
    const user = await this.em.findOne(User, { id: dto.userId, deletedAt: null }, { fields: ['id'] });
    if (!user) throw Problems.notFound('User');
    return this.notify(user.id, { category: dto.category, title: dto.title, body: dto.body, link: dto.link ?? null, data: dto.data ?? null });
  }

  async list(p: Principal, q: ListNotificationsQueryDto): Promise<NotificationPageDto> {
    const where = { user: p.userId, ...(q.unread ? { readAt: null } : {}) };
    const [rows, unreadCount] = await Promise.all([
      this.em.find(Notification, { ...where, ...afterCursor(decodeCursor(q.cursor)) }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: q.limit + 1 }),
      this.em.count(Notification, { user: p.userId, readAt: null }),
    ]);
    return { ...toPage(rows, q.limit, toDto), unreadCount };
  }

  async get(p: Principal, id: string): Promise<NotificationDto> {
    return toDto(await this.owned(p, id));
  }

  /** Idempotent: the first read time is kept. */
  async markRead(p: Principal, id: string): Promise<NotificationDto> {
    const n = await this.owned(p, id);
    if (!n.readAt) {
      n.readAt = new Date();
      await this.em.flush();
    }
    return toDto(n);
  }

  async remove(p: Principal, id: string): Promise<void> {
    const deleted = await this.em.nativeDelete(Notification, { id, user: p.userId });
    if (!deleted) throw Problems.notFound('Notification');
  }

  async markAllRead(p: Principal): Promise<MarkAllReadDto> {
    const updated = await this.em.nativeUpdate(Notification, { user: p.userId, readAt: null }, { readAt: new Date() });
    return { updated };
  }

  private async owned(p: Principal, id: string): Promise<Notification> {
    const n = await this.em.findOne(Notification, { id, user: p.userId });
    if (!n) throw Problems.notFound('Notification');
    return n;
  }
}
