import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, type Principal, RequirePermissions } from '../common/auth/principal';
import { CursorPageQuery } from '../common/pagination/cursor-page';
import { UUID } from '../common/pipes/uuid-param.pipe';
import {
  ExecuteToolQueryDto,
  ListToolsQueryDto,
  PutSecretDto,
  RegisterToolDto,
  ToolDto,
  ToolInputDto,
  ToolPageDto,
  ToolRunDto,
  ToolUsageDto,
  ToolVersionPageDto,
  UpdateToolDto,
} from './dto/tool.dto';
import { ToolRunsService } from './tool-runs.service';
import { ToolSecretsService } from './tool-secrets.service';
import { ToolsService } from './tools.service';

@ApiTags('tools')
@ApiBearerAuth()
@Controller('tools')
export class ToolsController {
  constructor(
    private readonly tools: ToolsService,
    private readonly runs: ToolRunsService,
    private readonly secrets: ToolSecretsService,
  ) {}

  /** Tools the caller's role may see; q searches name and description. */
  @Get()
  @RequirePermissions(Permission.ToolsRead)
  list(@CurrentPrincipal() p: Principal, @Query() q: ListToolsQueryDto): Promise<ToolPageDto> {
    return this.tools.list(p, q);
  }

  @Post()
  @RequirePermissions(Permission.ToolsManage)
  register(@CurrentPrincipal() p: Principal, @Body() dto: RegisterToolDto): Promise<ToolDto> {
    return this.tools.register(p, dto);
  }

  /** Sets a secret HTTP tools reference as {{secret:NAME}}; the value is never returned. */
  @Put('secrets/:name')
  @RequirePermissions(Permission.ToolsManage)
  putSecret(@Param('name') name: string, @Body() dto: PutSecretDto): Promise<{ name: string; updatedAt: string }> {
    return this.secrets.put(name, dto.value);
  }

  @Get(':name')
  @RequirePermissions(Permission.ToolsRead)
  get(@CurrentPrincipal() p: Principal, @Param('name') name: string): Promise<ToolDto> {
    return this.tools.get(p, name);
  }

  /** Every change creates a new immutable version. */
  @Patch(':name')
  @RequirePermissions(Permission.ToolsManage)
  update(@CurrentPrincipal() p: Principal, @Param('name') name: string, @Body() dto: UpdateToolDto): Promise<ToolDto> {
    return this.tools.update(p, name, dto);
  }

  @Delete(':name')
  @RequirePermissions(Permission.ToolsManage)
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentPrincipal() p: Principal, @Param('name') name: string): Promise<void> {
    return this.tools.remove(p, name);
  }

  @Get(':name/versions')
  @RequirePermissions(Permission.ToolsRead)
  versions(@CurrentPrincipal() p: Principal, @Param('name') name: string, @Query() q: CursorPageQuery): Promise<ToolVersionPageDto> {
    return this.tools.versions(p, name, q);
  }

  /** 200 when the input matches the tool's schema; 400 with one entry per field otherwise. */
  @Post(':name/validate')
  @RequirePermissions(Permission.ToolsRead)
  @HttpCode(HttpStatus.OK)
  validate(@CurrentPrincipal() p: Principal, @Param('name') name: string, @Body() dto: ToolInputDto): Promise<{ valid: true; version: number }> {
    return this.runs.validate(p, name, dto.input);
  }

  /** Starts a toolRun workflow: 202 with the run id, or with wait=true 200 with the result. */
  @Post(':name/execute')
  @RequirePermissions(Permission.ToolsRun)
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiResponse({ status: HttpStatus.ACCEPTED, type: ToolRunDto, description: 'started' })
  @ApiResponse({ status: HttpStatus.OK, type: ToolRunDto, description: 'with wait=true: the result' })
  async execute(@CurrentPrincipal() p: Principal, @Param('name') name: string, @Body() dto: ToolInputDto, @Query() q: ExecuteToolQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<ToolRunDto> {
    const run = await this.runs.execute(p, name, dto.input, q.wait === true);
    void reply.status(run.status === 'running' ? HttpStatus.ACCEPTED : HttpStatus.OK);
    return run;
  }

  /** The run's status and result: its caller's or an admin's. */
  @Get(':name/runs/:runId')
  @RequirePermissions(Permission.ToolsRead)
  getRun(@CurrentPrincipal() p: Principal, @Param('name') name: string, @Param('runId', UUID) runId: string): Promise<ToolRunDto> {
    return this.runs.getRun(p, name, runId);
  }

  @Get(':name/usage')
  @RequirePermissions(Permission.ToolsRead)
  usage(@CurrentPrincipal() p: Principal, @Param('name') name: string): Promise<ToolUsageDto> {
    return this.runs.usage(p, name);
  }
}
