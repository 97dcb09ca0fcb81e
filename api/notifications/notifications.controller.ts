import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { UUID } from '../common/pipes/uuid-param.pipe';
import {
  CreateNotificationDto,
  ListNotificationsQueryDto,
  MarkAllReadDto,
  NotificationDto,
  NotificationPageDto,
  NotificationPreferencesDto,
  NotificationQueuedDto,
  UpdateNotificationPreferencesDto,
} from './dto/notification.dto';
import { NotificationPreferencesService } from './notification-preferences.service';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly preferences: NotificationPreferencesService,
  ) {}

  /** The caller's notifications, newest first; `unread=true` for the unread ones only. */
  @Get()
  @RequirePermissions(Permission.NotificationsRead)
  list(@CurrentPrincipal() p: Principal, @Query() q: ListNotificationsQueryDto): Promise<NotificationPageDto> {
    return this.notifications.list(p, q);
  }

  /** Admin or system: notify a user (202: delivery runs as the notify workflow, per the user's preferences). */
  @Post()
  @RequirePermissions(Permission.NotificationsManage)
  @HttpCode(HttpStatus.ACCEPTED)
  create(@Body() dto: CreateNotificationDto): Promise<NotificationQueuedDto> {
    return this.notifications.create(dto);
  }

  @Post('mark-all-read')
  @RequirePermissions(Permission.NotificationsRead)
  @HttpCode(HttpStatus.OK)
  markAllRead(@CurrentPrincipal() p: Principal): Promise<MarkAllReadDto> {
    return this.notifications.markAllRead(p);
  }

  /** Every category with its channels (in-app, email); defaults where the caller never chose. */
  @Get('preferences')
  @RequirePermissions(Permission.NotificationsRead)
  getPreferences(@CurrentPrincipal() p: Principal): Promise<NotificationPreferencesDto> {
    return this.preferences.get(p);
  }

  @Patch('preferences')
  @RequirePermissions(Permission.NotificationsRead)
  updatePreferences(@CurrentPrincipal() p: Principal, @Body() dto: UpdateNotificationPreferencesDto): Promise<NotificationPreferencesDto> {
    return this.preferences.update(p, dto);
  }

  @Get(':id')
  @RequirePermissions(Permission.NotificationsRead)
  get(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<NotificationDto> {
    return this.notifications.get(p, id);
  }

  @Patch(':id/read')
  @RequirePermissions(Permission.NotificationsRead)
  markRead(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<NotificationDto> {
    return this.notifications.markRead(p, id);
  }

  @Delete(':id')
  @RequirePermissions(Permission.NotificationsRead)
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<void> {
    return this.notifications.remove(p, id);
  }
}
