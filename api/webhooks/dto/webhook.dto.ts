import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { WEBHOOK_EVENT_TYPES } from '../../../workflows/webhook-delivery/webhook-delivery.contract';

export class CreateWebhookDto {
  /** http(s) URL of the receiver; deliveries go through the SSRF-safe client. */
  @IsString() @MaxLength(2048)
  url: string;

  @ArrayMinSize(1) @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length) @ArrayUnique() @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  eventTypes: string[];

  @IsOptional() @IsString() @MaxLength(200)
  description?: string;

  @IsOptional() @IsBoolean()
  active?: boolean;
}

export class UpdateWebhookDto {
  @IsOptional() @IsString() @MaxLength(2048)
  url?: string;

  @IsOptional() @ArrayMinSize(1) @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length) @ArrayUnique() @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  eventTypes?: string[];

  @IsOptional() @IsString() @MaxLength(200)
  description?: string;

  @IsOptional() @IsBoolean()
  active?: boolean;
}

export class WebhookDto {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** Only the create answer carries the secret. */
export class CreatedWebhookDto extends WebhookDto {
  secret: string;
}

export class WebhookDeliveryDto {
  id: string;
  eventType: string;
  status: string;
  attempts: number;
  lastResponseCode: number | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

export class WebhookQueuedDto {
  deliveryId: string;
  workflowId: string;
}
