import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { CursorPageQuery } from '../common/pagination/cursor-page';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { ConversationSharesService } from './conversation-shares.service';
import { CreatedShareDto, SharePageDto } from './dto/share.dto';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('conversations/:id')
export class ConversationSharesController {
  constructor(private readonly shares: ConversationSharesService) {}

  /** A public read-only link showing the messages written so far; the token is shown only here. */
  @Post('share')
  @RequirePermissions(Permission.ConversationsWrite)
  create(@CurrentPrincipal() principal: Principal, @Param('id', UUID) id: string): Promise<CreatedShareDto> {
    return this.shares.create(principal, id);
  }

  /** The conversation's links, newest first (without their tokens). */
  @Get('shares')
  @RequirePermissions(Permission.ConversationsRead)
  list(@CurrentPrincipal() principal: Principal, @Param('id', UUID) id: string, @Query() query: CursorPageQuery): Promise<SharePageDto> {
    return this.shares.list(principal, id, query);
  }

  @Delete('shares/:shareId')
  @RequirePermissions(Permission.ConversationsWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  revoke(@CurrentPrincipal() principal: Principal, @Param('id', UUID) id: string, @Param('shareId', UUID) shareId: string): Promise<void> {
    return this.shares.revoke(principal, id, shareId);
  }
}
