import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { NOTIFICATION_CATEGORIES, type NotificationCategory } from '../../../workflows/notify/notify.contract';
import { CursorPageQuery } from '../../common/pagination/cursor-page';

// Query strings arrive as text; anything but "true"/"false" stays a string and fails @IsBoolean.
const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class ListNotificationsQueryDto extends CursorPageQuery {
  /** true: only the unread ones. */
  @IsOptional() @Transform(toBool) @IsBoolean()
  unread?: boolean;
}

export class NotificationDto {
  id: string;
  category: string;
  title: string;
  body: string;
  link: string | null;
  data: Record<string, unknown> | null;
  read: boolean;
  readAt: Date | null;
  createdAt: Date;
}

export class NotificationPageDto {
  items: NotificationDto[];
  nextCursor: string | null;
  /** All the caller's unread notifications, not only this page's. */
  unreadCount: number;
}

/** Admin (or system) notification for one user; delivered by the notify workflow per their preferences. */
export class CreateNotificationDto {
  @IsUUID('all')
  userId: string;

  @IsIn(NOTIFICATION_CATEGORIES)
  category: NotificationCategory = 'general';

  @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200)
  title: string;

  @IsString() @IsNotEmpty() @MaxLength(4000)
  body: string;

  @IsOptional() @IsString() @MaxLength(2048)
  link?: string;

  /** Any JSON object (at most 16 KB serialized). */
  @IsOptional() @IsObject()
  data?: Record<string, unknown>;
}

export class NotificationQueuedDto {
  /** The notification's id (GET /notifications/{id} once delivered, if in-app is on for the category). */
  id: string;
  /** `notify:<id>`. */
  workflowId: string;
}

export class MarkAllReadDto {
  updated: number;
}

export class NotificationPreferenceDto {
  @IsIn(NOTIFICATION_CATEGORIES)
  category: NotificationCategory;

  /** Stored and shown in the app (and pushed live). */
  @IsOptional() @IsBoolean()
  inApp?: boolean;

  /** Also sent by email. */
  @IsOptional() @IsBoolean()
  email?: boolean;
}

export class NotificationPreferencesDto {
  preferences: Required<NotificationPreferenceDto>[];
}

export class UpdateNotificationPreferencesDto {
  /** Only the listed categories and channels change. */
  @ValidateNested({ each: true }) @Type(() => NotificationPreferenceDto) @ArrayMinSize(1) @ArrayMaxSize(NOTIFICATION_CATEGORIES.length)
  preferences: NotificationPreferenceDto[];
}
