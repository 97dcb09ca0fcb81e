import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Permission } from '../../shared/domain/roles';
import { CurrentPrincipal, Principal, RequirePermissions } from '../common/auth/principal';
import { UUID } from '../common/pipes/uuid-param.pipe';
import { AuditEventsService } from './audit-events.service';
import { AuditReportsService } from './audit-reports.service';
import { AuditEventDto, AuditEventPageDto, AuditReportDto, ComplianceReportDto, CreateAuditReportDto, ListAuditEventsQueryDto } from './dto/audit.dto';

@ApiTags('audit')
@ApiBearerAuth()
@RequirePermissions(Permission.AuditRead)
@Controller('audit')
export class AuditController {
  constructor(
    private readonly events: AuditEventsService,
    private readonly reports: AuditReportsService,
  ) {}

  /** Searches the audit trail, newest first (cursor pages by seq). */
  @Get('events')
  list(@Query() query: ListAuditEventsQueryDto): Promise<AuditEventPageDto> {
    return this.events.search(query);
  }

  @Get('events/:id')
  get(@Param('id', UUID) id: string): Promise<AuditEventDto> {
    return this.events.get(id);
  }

  /** Starts an `audit-report:<id>` workflow writing the matching events as CSV or JSON. */
  @Post('reports')
  @HttpCode(HttpStatus.ACCEPTED)
  createReport(@CurrentPrincipal() principal: Principal, @Body() dto: CreateAuditReportDto): Promise<AuditReportDto> {
    return this.reports.create(principal, dto);
  }

  /** Status and progress (percent); downloadUrl once completed. */
  @Get('reports/:id')
  getReport(@Param('id', UUID) id: string): Promise<AuditReportDto> {
    return this.reports.get(id);
  }

  /** The finished report file (409 while it is still running). */
  @Get('reports/:id/download')
  @ApiProduces('text/csv', 'application/json')
  download(@Param('id', UUID) id: string): Promise<StreamableFile> {
    return this.reports.download(id);
  }

  /** Verifies the whole hash chain from its anchor (streamed in pages). */
  @Get('compliance')
  compliance(): Promise<ComplianceReportDto> {
    return this.events.compliance();
  }
}
