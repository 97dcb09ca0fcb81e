import { Body, Controller, Delete, Get, Headers, HttpCode, HttpStatus, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, Public, RequirePermissions } from '../common/auth/principal';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { BudgetsService } from './budgets.service';
import { CreditsService } from './credits.service';
import { BudgetDto, CreditGrantDto, CreditGrantViewDto, CreditsDto, CreditsQuery, SetBudgetDto, UsageDto, UsageQuery } from './dto/billing.dto';
import { InvoiceDto, InvoicesQuery, PaymentMethodDto, PaymentMethodRequestDto, SubscriptionDto, SubscriptionRequestDto } from './dto/stripe.dto';
import { StripeBillingService } from './stripe-billing.service';
import { StripeWebhooksService } from './stripe-webhooks.service';
import { UsageService } from './usage.service';

@ApiTags('billing')
@ApiBearerAuth()
@Controller('billing')
export class BillingController {
  constructor(
    private readonly budgets: BudgetsService,
    private readonly credits: CreditsService,
    private readonly usage: UsageService,
    private readonly stripe: StripeBillingService,
    private readonly webhooks: StripeWebhooksService,
  ) {}

  /** The caller's usage by UTC day and model. */
  @Get('usage')
  @RequirePermissions(Permission.BillingRead)
  getUsage(@CurrentPrincipal() p: Principal, @Query() q: UsageQuery): Promise<UsageDto> {
    return this.usage.mine(p, q);
  }

  /** The caller's credit balance (unexpired grants minus what was drawn from them) and grants. */
  @Get('credits')
  @RequirePermissions(Permission.BillingRead)
  getCredits(@CurrentPrincipal() p: Principal, @Query() q: CreditsQuery): Promise<CreditsDto> {
    return this.credits.mine(p, q);
  }

  /** Admin: grants credits to a user. */
  @Post('credits/grants')
  @RequirePermissions(Permission.BillingManage)
  grantCredits(@CurrentPrincipal() p: Principal, @Body() dto: CreditGrantDto): Promise<CreditGrantViewDto> {
    return this.credits.grant(p, dto);
  }

  /** The budgets that apply to the caller (on them and on their API keys), with the current window's spend. */
  @Get('budgets')
  @RequirePermissions(Permission.BillingRead)
  listBudgets(@CurrentPrincipal() p: Principal): Promise<BudgetDto[]> {
    return this.budgets.mine(p);
  }

  /** Admin: sets the daily or monthly budget of a user or an API key (creates it or changes its limit). */
  @Put('budgets')
  @RequirePermissions(Permission.BillingManage)
  setBudget(@Body() dto: SetBudgetDto): Promise<BudgetDto> {
    return this.budgets.set(dto);
  }

  @Delete('budgets/:id')
  @RequirePermissions(Permission.BillingManage)
  @HttpCode(HttpStatus.NO_CONTENT)
  removeBudget(@Param('id', UUID) id: string): Promise<void> {
    return this.budgets.remove(id);
  }

  @Post('subscription')
  @RequirePermissions(Permission.BillingWrite)
  subscribe(@CurrentPrincipal() p: Principal, @Body() dto: SubscriptionRequestDto): Promise<SubscriptionDto> {
    return this.stripe.subscribe(p, dto.priceId);
  }

  /** Changes the plan (prorated). */
  @Patch('subscription')
  @RequirePermissions(Permission.BillingWrite)
  changePlan(@CurrentPrincipal() p: Principal, @Body() dto: SubscriptionRequestDto): Promise<SubscriptionDto> {
    return this.stripe.changePlan(p, dto.priceId);
  }

  @Delete('subscription')
  @RequirePermissions(Permission.BillingWrite)
  cancel(@CurrentPrincipal() p: Principal): Promise<SubscriptionDto> {
    return this.stripe.cancel(p);
  }

  @Post('payment-methods')
  @RequirePermissions(Permission.BillingWrite)
  addPaymentMethod(@CurrentPrincipal() p: Principal, @Body() dto: PaymentMethodRequestDto): Promise<PaymentMethodDto> {
    return this.stripe.addPaymentMethod(p, dto.paymentMethodId, dto.makeDefault ?? false);
  }

  @Get('invoices')
  @RequirePermissions(Permission.BillingRead)
  invoices(@CurrentPrincipal() p: Principal, @Query() q: InvoicesQuery): Promise<InvoiceDto[]> {
    return this.stripe.invoices(p, q.limit);
  }

  @Get('invoices/:id')
  @RequirePermissions(Permission.BillingRead)
  invoice(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<InvoiceDto> {
    return this.stripe.invoice(p, id);
  }

  /** Stripe's webhook endpoint: signature and timestamp (±300 s) verified; each event applied once. */
  @Public()
  @Post('webhooks/stripe')
  @HttpCode(HttpStatus.OK)
  stripeWebhook(@Req() req: RawBodyRequest<FastifyRequest>, @Headers('stripe-signature') signature?: string) {
    return this.webhooks.receive(req.rawBody, signature);
  }
}
