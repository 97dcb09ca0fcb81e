import type { MikroORM } from '@mikro-orm/postgresql';
import type Redis from 'ioredis';
import { Notification, NotificationPreference, User, UserStatus } from '../../shared/persistence/entities';
import {
  DEFAULT_CHANNELS,
  NotificationEvent,
  notificationsChannel,
  NotifyInput,
  NotifyTarget,
} from '../../workflows/notify/notify.contract';

export interface NotificationActivityDeps {
  orm: MikroORM;
  redis: Pick<Redis, 'publish'>;
}

export function createNotificationActivities(deps: NotificationActivityDeps) {
  return {
    /** The recipient's address and channel choice for the category; null when the user is gone. */
    async notifyTarget({ userId, category }: { userId: string; category: string }): Promise<NotifyTarget | null> {
      const em = deps.orm.em.fork();
      const user = await em.findOne(User, { id: userId, deletedAt: null, status: { $ne: UserStatus.Deleted } });
      if (!user) return null;
      const pref = await em.findOne(NotificationPreference, { user: userId, category });
      return { email: user.email, inApp: pref?.inApp ?? DEFAULT_CHANNELS.inApp, emailOn: pref?.email ?? DEFAULT_CHANNELS.email };
    },

    /** Inserts the in-app row once (a retry finds it) and returns it as the live event. */
    async storeNotification(input: NotifyInput): Promise<NotificationEvent> {
      const em = deps.orm.em.fork();
      await em
        .createQueryBuilder(Notification)
        .insert({
          id: input.notificationId,
          user: input.userId,
          category: input.category,
          title: input.title,
          body: input.body,
          link: input.link ?? null,
          data: input.data ?? null,
          createdAt: new Date(),
        })
        .onConflict('id')
        .ignore();
      const row = await em.findOneOrFail(Notification, input.notificationId);
      const { id, category, title, body, link, data, createdAt } = row;
      return { type: 'notification', notification: { id, category: category as NotificationEvent['notification']['category'], title, body, link, data, createdAt: createdAt.toISOString() } };
    },

    /** Fire-and-forget fan-out: clients that are not listening read the stored row later. */
    async publishNotification({ userId, event }: { userId: string; event: NotificationEvent }): Promise<number> {
      return deps.redis.publish(notificationsChannel(userId), JSON.stringify(event));
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
