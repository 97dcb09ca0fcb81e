import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { NotificationPreference } from '../../shared/persistence/entities';
import { DEFAULT_CHANNELS, NOTIFICATION_CATEGORIES } from '../../workflows/notify/notify.contract';
import type { Principal } from '../common/auth/principal';
import { Problems } from '../common/problem/problem.exception';
import type { NotificationPreferencesDto, UpdateNotificationPreferencesDto } from './dto/notification.dto';

/** Per-category channel choices; a category never chosen shows (and delivers) its defaults. */
@Injectable()
export class NotificationPreferencesService {
  constructor(private readonly em: EntityManager) {}

  async get(p: Principal): Promise<NotificationPreferencesDto> {
    const rows = await this.em.find(NotificationPreference, { user: p.userId });
    const chosen = new Map(rows.map((r) => [r.category, r]));
    return {
      preferences: NOTIFICATION_CATEGORIES.map((category) => {
        const r = chosen.get(category);
        return { category, inApp: r?.inApp ?? DEFAULT_CHANNELS.inApp, email: r?.email ?? DEFAULT_CHANNELS.email };
      }),
    };
  }

  async update(p: Principal, dto: UpdateNotificationPreferencesDto): Promise<NotificationPreferencesDto> {
    const seen = new Set<string>();
    dto.preferences.forEach((pref, i) => {
      if (seen.has(pref.category)) throw Problems.validation([{ field: `preferences.${i}.category`, message: `category "${pref.category}" is listed twice` }]);
      seen.add(pref.category);
    });
    const current = new Map((await this.get(p)).preferences.map((x) => [x.category, x]));
    await this.em.transactional(async (tx) => {
      for (const pref of dto.preferences) {
        const base = current.get(pref.category)!;
        await tx.upsert(NotificationPreference, { user: p.userId, category: pref.category, inApp: pref.inApp ?? base.inApp, email: pref.email ?? base.email, updatedAt: new Date() });
      }
    });
    return this.get(p);
  }
}
