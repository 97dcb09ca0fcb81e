import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { CursorPageQuery } from '../common/pagination/cursor-page';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { CreateMessageDto, EditMessageDto, ListMessagesQueryDto, PinMessageDto, ReactDto } from './dto/message-input.dto';
import { MessageDto, MessagePageDto, MessageVersionPageDto, ReactionResultDto } from './dto/message.dto';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('conversations/:cid/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  /** Oldest first unless order=desc; parentId lists one thread's replies. */
  @Get()
  @RequirePermissions(Permission.ConversationsRead)
  list(@CurrentPrincipal() principal: Principal, @Param('cid', UUID) cid: string, @Query() query: ListMessagesQueryDto): Promise<MessagePageDto> {
    return this.messages.list(principal, cid, query);
  }

  /** Stores a user message (no model turn: that is /chat). */
  @Post()
  @RequirePermissions(Permission.ConversationsWrite)
  create(@CurrentPrincipal() principal: Principal, @Param('cid', UUID) cid: string, @Body() dto: CreateMessageDto): Promise<MessageDto> {
    return this.messages.create(principal, cid, dto);
  }

  @Get(':id')
  @RequirePermissions(Permission.ConversationsRead)
  get(@CurrentPrincipal() principal: Principal, @Param('cid', UUID) cid: string, @Param('id', UUID) id: string): Promise<MessageDto> {
    return this.messages.get(principal, cid, id);
  }

  /** The author's edit; the old text is kept under /versions. */
  @Patch(':id')
  @RequirePermissions(Permission.ConversationsWrite)
  edit(@CurrentPrincipal() principal: Principal, @Param('cid', UUID) cid: string, @Param('id', UUID) id: string, @Body() dto: EditMessageDto): Promise<MessageDto> {
    return this.messages.edit(principal, cid, id, dto);
  }

  /** Earlier texts, oldest first. */
  @Get(':id/versions')
  @RequirePermissions(Permission.ConversationsRead)
  versions(@CurrentPrincipal() principal: Principal, @Param('cid', UUID) cid: string, @Param('id', UUID) id: string, @Query() query: CursorPageQuery): Promise<MessageVersionPageDto> {
    return this.messages.versions(principal, cid, id, query);
  }

  @Delete(':id')
  @RequirePermissions(Permission.ConversationsWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentPrincipal() principal: Principal, @Param('cid', UUID) cid: string, @Param('id', UUID) id: string): Promise<void> {
    return this.messages.remove(principal, cid, id);
  }

  /** Toggles the caller's reaction with this emoji. */
  @Post(':id/react')
  @RequirePermissions(Permission.ConversationsWrite)
  @HttpCode(HttpStatus.OK)
  react(@CurrentPrincipal() principal: Principal, @Param('cid', UUID) cid: string, @Param('id', UUID) id: string, @Body() dto: ReactDto): Promise<ReactionResultDto> {
    return this.messages.react(principal, cid, id, dto);
  }

  @Post(':id/pin')
  @RequirePermissions(Permission.ConversationsWrite)
  @HttpCode(HttpStatus.OK)
  pin(@CurrentPrincipal() principal: Principal, @Param('cid', UUID) cid: string, @Param('id', UUID) id: string, @Body() dto: PinMessageDto): Promise<MessageDto> {
    return this.messages.pin(principal, cid, id, dto);
  }
}
