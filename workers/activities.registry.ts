import { createTransport } from 'nodemailer';
import { createEmailActivities } from '../activities/notifications/email.activities';
import type { AppConfig } from '../shared/config/app-config';

/** Every activity implementation, built over this process's dependencies. */
export function buildActivities(config: AppConfig) {
  const transport = createTransport(config.SMTP_URL, { pool: true, maxConnections: 2 } as never);
  return {
    ...createEmailActivities({ transport, from: config.MAIL_FROM }),
  };
}
