import { Body, Controller, Headers, HttpCode, HttpStatus, Post, Res, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { ChatCompletionsService } from './chat-completions.service';
import { ChatCompletionRequestDto } from './dto/chat-completion.dto';
import { OpenAiProblemFilter } from './openai-problem.filter';

/**
 * OpenAI-compatible chat completions: point an OpenAI SDK at `<host>/api/v3` with an API key (`gk_…`)
 * or an access token. Each request is a durable chat turn in a conversation of its own tagged `api`
 * (GET /chat/turns/{id}, with the id after `chatcmpl-`). Errors are problem+json that also carry OpenAI's `error` object.
 */
@ApiTags('openai')
@ApiBearerAuth()
@RequirePermissions(Permission.ChatUse)
@UseFilters(OpenAiProblemFilter)
@Controller('chat/completions')
export class ChatCompletionsController {
  constructor(private readonly completions: ChatCompletionsService) {}

  /**
   * Without `stream`, waits for the turn and answers a `chat.completion`. With `stream: true`, answers
   * `chat.completion.chunk` events and `data: [DONE]`. A turn that fails before any text answers with a
   * problem (401, 429 + Retry-After, 502, 504); after text has been sent — including a retry or model
   * fallback restarting the reply, which this format cannot express — the stream ends with an `error` chunk.
   * `stop` is accepted and ignored; `n` must be 1; other OpenAI fields (tools, response_format, …) are a 400.
   */
  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiProduces('application/json', 'text/event-stream')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key never starts two turns; a repeat answers from the first' })
  create(@CurrentPrincipal() p: Principal, @Body() dto: ChatCompletionRequestDto, @Headers('idempotency-key') key: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    return this.completions.create(p, dto, key, reply);
  }
}
