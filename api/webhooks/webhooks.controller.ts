import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { CreatedWebhookDto, CreateWebhookDto, UpdateWebhookDto, WebhookDeliveryDto, WebhookDto, WebhookQueuedDto } from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

/** The caller's outbound webhook endpoints (Standard Webhooks); anyone else's is a 404. */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @RequirePermissions(Permission.SelfManage)
  list(@CurrentPrincipal() p: Principal): Promise<WebhookDto[]> {
    return this.webhooks.list(p);
  }

  /** The `whsec_…` signing secret is in this answer only. */
  @Post()
  @RequirePermissions(Permission.SelfManage)
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    return this.webhooks.create(p, dto);
  }

  @Get(':id')
  @RequirePermissions(Permission.SelfManage)
  get(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<WebhookDto> {
    return this.webhooks.get(p, id);
  }

  @Patch(':id')
  @RequirePermissions(Permission.SelfManage)
  update(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Body() dto: UpdateWebhookDto): Promise<WebhookDto> {
    return this.webhooks.update(p, id, dto);
  }

  @Delete(':id')
  @RequirePermissions(Permission.SelfManage)
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<void> {
    return this.webhooks.remove(p, id);
  }

  /** Sends a `webhook.test` event (202: delivered by the webhookDelivery workflow). */
  @Post(':id/test')
  @RequirePermissions(Permission.SelfManage)
  @HttpCode(HttpStatus.ACCEPTED)
  test(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<WebhookQueuedDto> {
    return this.webhooks.test(p, id);
  }

  /** Recent deliveries, newest first. */
  @Get(':id/deliveries')
  @RequirePermissions(Permission.SelfManage)
  deliveries(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string): Promise<WebhookDeliveryDto[]> {
    return this.webhooks.deliveries(p, id);
  }
}
