import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { BudgetsService } from './budgets.service';
import { CreditsService } from './credits.service';
import { BudgetDto, CreditGrantDto, CreditGrantViewDto, CreditsDto, CreditsQuery, SetBudgetDto, UsageDto, UsageQuery } from './dto/billing.dto';
import { UsageService } from './usage.service';

@ApiTags('billing')
@ApiBearerAuth()
@Controller('billing')
export class BillingController {
  constructor(
    private readonly budgets: BudgetsService,
    private readonly credits: CreditsService,
    private readonly usage: UsageService,
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
}
