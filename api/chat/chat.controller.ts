import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { ChatService } from './chat.service';
import { ChatRequestDto, ChatTurnDto, TurnIdParam } from './dto/chat.dto';
import { TurnSseService } from './turn-sse.service';

const SSE_RESPONSE = {
  description: 'Server-sent events: `id: <stream id>`, `event: turn|token|reset|done|error|cancelled`, `data: <JSON>`',
  content: { 'text/event-stream': { schema: { type: 'string', example: 'id: 1732600000000-0\nevent: token\ndata: {"text":"Hello"}\n\n' } } },
};

@ApiTags('chat')
@ApiBearerAuth()
@RequirePermissions(Permission.ChatUse)
@Controller('chat')
export class ChatController {
  constructor(
    private readonly chat: ChatService,
    private readonly sse: TurnSseService,
  ) {}

  /**
   * Runs a turn and streams it as server-sent events: `turn` (ids), `token`* (text deltas),
   * `reset` (drop this turn's text: a retry or fallback restarts it), then `done`, `error` or `cancelled`.
   * Every event has an `id:`; resume with GET /chat/turns/{turnId}/stream and Last-Event-ID.
   */
  @Post('stream')
  @ApiOkResponse(SSE_RESPONSE)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key never starts two turns' })
  stream(@CurrentPrincipal() p: Principal, @Body() dto: ChatRequestDto, @Headers('idempotency-key') key: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    return this.sse.startAndStream(p, dto, key, reply);
  }

  /** Runs a turn and answers when it has finished. */
  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async send(@CurrentPrincipal() p: Principal, @Body() dto: ChatRequestDto, @Headers('idempotency-key') key?: string): Promise<ChatTurnDto> {
    return this.chat.waitFor(await this.chat.startTurn(p, dto, key));
  }

  @Get('turns/:turnId')
  async get(@CurrentPrincipal() p: Principal, @Param() { turnId }: TurnIdParam): Promise<ChatTurnDto> {
    return this.chat.describe(await this.chat.ownedTurn(p, turnId));
  }

  /** Follows a turn's events; with Last-Event-ID, only those after it. Several clients may follow one turn. */
  @Get('turns/:turnId/stream')
  @ApiOkResponse(SSE_RESPONSE)
  @ApiHeader({ name: 'Last-Event-ID', required: false })
  follow(@CurrentPrincipal() p: Principal, @Param() { turnId }: TurnIdParam, @Headers('last-event-id') lastEventId: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    return this.sse.follow(p, turnId, lastEventId, reply);
  }

  /** Stops a running turn; cancellation reaches the provider call. What was produced is kept. */
  @Post('turns/:turnId/cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  cancel(@CurrentPrincipal() p: Principal, @Param() { turnId }: TurnIdParam): Promise<ChatTurnDto> {
    return this.chat.cancel(p, turnId);
  }
}
