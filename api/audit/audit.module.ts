import { Global, Module } from '@nestjs/common';
import { AuditEventsService } from './audit-events.service';
import { AuditReportsService } from './audit-reports.service';
import { AuditRetentionSchedule } from './audit-retention.schedule';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

/** Global: any service may inject AuditService to record a domain event. */
@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditEventsService, AuditReportsService, AuditRetentionSchedule],
  exports: [AuditService],
})
export class AuditModule {}
