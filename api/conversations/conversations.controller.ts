import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { ConversationExportService } from './conversation-export.service';
import { ConversationsService } from './conversations.service';
import { ConversationDto, ConversationPageDto } from './dto/conversation.dto';
import { CreateConversationDto } from './dto/create-conversation.dto';
import { ExportConversationQueryDto } from './dto/export-conversation.dto';
import { ForkConversationDto } from './dto/fork-conversation.dto';
import { ListConversationsQueryDto } from './dto/list-conversations.dto';
import { UpdateConversationDto } from './dto/update-conversation.dto';
import { sendAttachment } from './send-attachment';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('conversations')
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly exports: ConversationExportService,
  ) {}

  /** The caller's conversations, newest first; `deleted=true` lists the soft-deleted ones. */
  @Get()
  @RequirePermissions(Permission.ConversationsRead)
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListConversationsQueryDto): Promise<ConversationPageDto> {
    return this.conversations.list(principal, query);
  }

  @Post()
  @RequirePermissions(Permission.ConversationsWrite)
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateConversationDto): Promise<ConversationDto> {
    return this.conversations.create(principal, dto);
  }

  @Get(':id')
  @RequirePermissions(Permission.ConversationsRead)
  get(@CurrentPrincipal() principal: Principal, @Param('id', UUID) id: string): Promise<ConversationDto> {
    return this.conversations.get(principal, id);
  }

  @Patch(':id')
  @RequirePermissions(Permission.ConversationsWrite)
  update(@CurrentPrincipal() principal: Principal, @Param('id', UUID) id: string, @Body() dto: UpdateConversationDto): Promise<ConversationDto> {
    return this.conversations.update(principal, id, dto);
  }

  /** Soft delete: restorable for 30 days. */
  @Delete(':id')
  @RequirePermissions(Permission.ConversationsWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentPrincipal() principal: Principal, @Param('id', UUID) id: string): Promise<void> {
    return this.conversations.remove(principal, id);
  }

  @Post(':id/restore')
  @RequirePermissions(Permission.ConversationsWrite)
  @HttpCode(HttpStatus.OK)
  restore(@CurrentPrincipal() principal: Principal, @Param('id', UUID) id: string): Promise<ConversationDto> {
    return this.conversations.restore(principal, id);
  }

  /** Copies the messages up to and including messageId into a new conversation. */
  @Post(':id/fork')
  @RequirePermissions(Permission.ConversationsWrite)
  fork(@CurrentPrincipal() principal: Principal, @Param('id', UUID) id: string, @Body() dto: ForkConversationDto): Promise<ConversationDto> {
    return this.conversations.fork(principal, id, dto);
  }

  /** A download (Content-Disposition: attachment) as JSON, Markdown, or HTML with all text escaped. */
  @Get(':id/export')
  @RequirePermissions(Permission.ConversationsRead)
  @ApiProduces('application/json', 'text/markdown', 'text/html')
  @ApiOkResponse({
    description: 'format=json: the conversation and its messages; markdown and html: the text',
    content: { 'application/json': { schema: { type: 'object' } }, 'text/markdown': { schema: { type: 'string' } }, 'text/html': { schema: { type: 'string' } } },
  })
  async export(
    @CurrentPrincipal() principal: Principal,
    @Param('id', UUID) id: string,
    @Query() query: ExportConversationQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return sendAttachment(reply, await this.exports.export(principal, id, query.format));
  }
}
