import { Controller, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { SummarizeQueryDto, SummaryRunDto } from './dto/summarize.dto';
import { SummariesService } from './summaries.service';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('conversations')
export class SummariesController {
  constructor(private readonly summaries: SummariesService) {}

  /**
   * Summarizes the conversation as it is now (a workflow; GET /conversations/{id} shows the stored summary).
   * 202 at once; with wait=true, 200 with the summary (or 202 if it takes over a minute).
   */
  @Post(':id/summarize')
  @RequirePermissions(Permission.ConversationsWrite, Permission.ChatUse)
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiResponse({ status: HttpStatus.ACCEPTED, type: SummaryRunDto, description: 'started (or already running or done for this state)' })
  @ApiResponse({ status: HttpStatus.OK, type: SummaryRunDto, description: 'with wait=true: the summary' })
  async summarize(@CurrentPrincipal() p: Principal, @Param('id', UUID) id: string, @Query() q: SummarizeQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<SummaryRunDto> {
    const run = await this.summaries.summarize(p, id, q.wait === true);
    void reply.status(run.summary === undefined ? HttpStatus.ACCEPTED : HttpStatus.OK);
    return run;
  }
}
