/** Contract of the notify workflow: one notification to one user, in-app and/or by email per their preferences. */

/** Known categories; preferences are kept per category. */
export const NOTIFICATION_CATEGORIES = ['general', 'approval', 'system', 'security', 'billing', 'tool', 'workflow'] as const;
export type NotificationCategory = (typeof NOTIFICATION_CATEGORIES)[number];

/** What a category delivers when the user never chose: in-app yes, email no. */
export const DEFAULT_CHANNELS = { inApp: true, email: false } as const;

export interface NotificationContent {
  category: NotificationCategory;
  title: string;
  body: string;
  /** Where the notification leads (an API path or a URL). */
  link?: string | null;
  data?: Record<string, unknown> | null;
}

export interface NotifyInput extends NotificationContent {
  /** The in-app row's id: storing is idempotent on it. */
  notificationId: string;
  userId: string;
  requestId?: string;
}

/** The recipient as the activities found them at delivery time. */
export interface NotifyTarget {
  email: string;
  inApp: boolean;
  emailOn: boolean;
}

export interface NotifyResult {
  notificationId: string;
  /** false: the user is gone, or turned in-app off for the category. */
  stored: boolean;
  emailed: boolean;
}

/** The event published on the user's channel (`notificationsChannel`) when a row is stored. */
export interface NotificationEvent {
  type: 'notification';
  notification: NotificationContent & { id: string; createdAt: string };
}

export const NOTIFY_WORKFLOW = 'notifyWorkflow';

export function notifyWorkflowId(notificationId: string): string {
  return `notify:${notificationId}`;
}

/** Redis pub/sub channel a user's live clients (the WebSocket gateway) follow. */
export function notificationsChannel(userId: string): string {
  return `user:${userId}:notifications`;
}
