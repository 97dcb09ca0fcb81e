import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { ProviderHealthService } from './provider-health.service';

@Module({ controllers: [HealthController], providers: [HealthService, ProviderHealthService], exports: [HealthService] })
export class MonitoringModule {}
