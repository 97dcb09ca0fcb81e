import { Body, Controller, Delete, Get, Headers, HttpCode, HttpStatus, Param, Patch, Post, Query, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, Public, RequirePermissions } from '../common/auth/principal';
import { CursorPageQuery } from '../common/pagination/cursor-page';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { CreateWorkflowDto, DecisionDto, ExecuteWorkflowDto, NamedSignalDto, PatchWorkflowDto } from './dto/workflow.dto';
import { WORKFLOW_ID } from './workflow-id.pipe';
import { WorkflowExecutionsService } from './workflow-executions.service';
import { WorkflowsService } from './workflows.service';

@ApiTags('workflows')
@ApiBearerAuth()
@Controller('workflows')
export class WorkflowsController {
  constructor(
    private readonly workflows: WorkflowsService,
    private readonly runs: WorkflowExecutionsService,
  ) {}

  /** The JSON Schema every definition is validated against. */
  @Get('schema')
  @RequirePermissions(Permission.WorkflowsRead)
  schema() {
    return this.workflows.schema();
  }

  /** Shipped templates; POST /workflows {templateId} instantiates one. */
  @Get('templates')
  @RequirePermissions(Permission.WorkflowsRead)
  templates() {
    return this.workflows.templates();
  }

  /** Your definitions (admins: everyone's), newest first; `registered` lists the workflows written in code. */
  @Get()
  @RequirePermissions(Permission.WorkflowsRead)
  list(@CurrentPrincipal() p: Principal, @Query() q: CursorPageQuery) {
    return this.workflows.list(p, q);
  }

  /** From YAML/JSON source, a JSON object or a template; a webhook trigger's secret is in this answer only. */
  @Post()
  @RequirePermissions(Permission.WorkflowsManage)
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateWorkflowDto) {
    return this.workflows.create(p, dto);
  }

  @Get(':id')
  @RequirePermissions(Permission.WorkflowsRead)
  get(@CurrentPrincipal() p: Principal, @Param('id', WORKFLOW_ID) id: string) {
    return this.workflows.get(p, id);
  }

  /** A new immutable version; running executions keep the version they started with. */
  @Patch(':id')
  @RequirePermissions(Permission.WorkflowsManage)
  patch(@CurrentPrincipal() p: Principal, @Param('id', WORKFLOW_ID) id: string, @Body() dto: PatchWorkflowDto) {
    return this.workflows.patch(p, id, dto);
  }

  @Delete(':id')
  @RequirePermissions(Permission.WorkflowsManage)
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentPrincipal() p: Principal, @Param('id', WORKFLOW_ID) id: string) {
    return this.workflows.remove(p, id);
  }

  @Post(':id/execute')
  @RequirePermissions(Permission.WorkflowsRun)
  @HttpCode(HttpStatus.ACCEPTED)
  execute(@CurrentPrincipal() p: Principal, @Param('id', WORKFLOW_ID) id: string, @Body() dto: ExecuteWorkflowDto) {
    return this.runs.execute(p, id, dto.input);
  }

  /** Signed inbound webhook: HMAC-SHA256 of the raw body with the definition's secret, hex, in x-gateway-signature. */
  @Public()
  @Post(':id/webhook')
  @HttpCode(HttpStatus.ACCEPTED)
  webhook(@Param('id', UUID) id: string, @Req() req: RawBodyRequest<FastifyRequest>, @Headers('x-gateway-signature') signature?: string) {
    return this.runs.webhook(id, req.rawBody, signature, req.body);
  }

  @Get(':id/executions')
  @RequirePermissions(Permission.WorkflowsRead)
  executions(@CurrentPrincipal() p: Principal, @Param('id', WORKFLOW_ID) id: string, @Query() q: CursorPageQuery) {
    return this.runs.list(p, id, q.limit, q.cursor);
  }

  /** Status, input, output and per-step states, read from Temporal. */
  @Get(':id/executions/:eid')
  @RequirePermissions(Permission.WorkflowsRead)
  execution(@CurrentPrincipal() p: Principal, @Param('id', WORKFLOW_ID) id: string, @Param('eid') eid: string) {
    return this.runs.detail(p, id, eid);
  }

  @Post(':id/executions/:eid/pause')
  @RequirePermissions(Permission.WorkflowsRun)
  @HttpCode(HttpStatus.ACCEPTED)
  pause(@CurrentPrincipal() p: Principal, @Param('id', WORKFLOW_ID) id: string, @Param('eid') eid: string) {
    return this.runs.signal(p, id, eid, 'pause');
  }

  @Post(':id/executions/:eid/resume')
  @RequirePermissions(Permission.WorkflowsRun)
  @HttpCode(HttpStatus.ACCEPTED)
  resume(@CurrentPrincipal() p: Principal, @Param('id', WORKFLOW_ID) id: string, @Param('eid') eid: string) {
    return this.runs.signal(p, id, eid, 'resume');
  }

  /** Cancels the run, its child runs and its in-flight activities. */
  @Post(':id/executions/:eid/cancel')
  @RequirePermissions(Permission.WorkflowsRun)
  @HttpCode(HttpStatus.ACCEPTED)
  cancel(@CurrentPrincipal() p: Principal, @Param('id', WORKFLOW_ID) id: string, @Param('eid') eid: string) {
    return this.runs.signal(p, id, eid, 'cancel');
  }

  /** Answers the approval node the run waits on (the approvals service will route here). */
  @Post(':id/executions/:eid/approve')
  @RequirePermissions(Permission.WorkflowsRun)
  @HttpCode(HttpStatus.ACCEPTED)
  approve(@CurrentPrincipal() p: Principal, @Param('id', WORKFLOW_ID) id: string, @Param('eid') eid: string, @Body() dto: DecisionDto) {
    return this.runs.signal(p, id, eid, 'approve', dto);
  }

  @Post(':id/executions/:eid/reject')
  @RequirePermissions(Permission.WorkflowsRun)
  @HttpCode(HttpStatus.ACCEPTED)
  reject(@CurrentPrincipal() p: Principal, @Param('id', WORKFLOW_ID) id: string, @Param('eid') eid: string, @Body() dto: DecisionDto) {
    return this.runs.signal(p, id, eid, 'reject', dto);
  }

  /** Delivers a named signal to `wait: {signal}` nodes. */
  @Post(':id/executions/:eid/signal')
  @RequirePermissions(Permission.WorkflowsRun)
  @HttpCode(HttpStatus.ACCEPTED)
  namedSignal(@CurrentPrincipal() p: Principal, @Param('id', WORKFLOW_ID) id: string, @Param('eid') eid: string, @Body() dto: NamedSignalDto) {
    return this.runs.signal(p, id, eid, 'signal', dto);
  }
}
