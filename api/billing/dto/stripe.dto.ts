import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export class SubscriptionRequestDto {
  /** A Stripe price id (price_…). */
  @IsString() @Matches(/^price_[A-Za-z0-9]{1,100}$/, { message: 'priceId must be a Stripe price id (price_…)' })
  priceId: string;
}

export class PaymentMethodRequestDto {
  /** A payment method created client-side with Stripe.js (pm_…). */
  @IsString() @Matches(/^pm_[A-Za-z0-9_]{1,100}$/, { message: 'paymentMethodId must be a Stripe payment method id (pm_…)' })
  paymentMethodId: string;

  @IsOptional() @IsBoolean()
  makeDefault?: boolean;
}

export class InvoicesQuery {
  @ApiPropertyOptional({ default: 20 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit: number = 20;
}

export class SubscriptionDto {
  id: string;
  status: string;
  priceId: string | null;
  cancelAtPeriodEnd: boolean;
}

export class PaymentMethodDto {
  id: string;
  type: string;
  brand: string | null;
  last4: string | null;
  default: boolean;
}

export class InvoiceDto {
  id: string;
  status: string | null;
  currency: string;
  /** Minor units (cents). */
  amountDue: number;
  amountPaid: number;
  total: number;
  created: string;
  hostedInvoiceUrl: string | null;
}
