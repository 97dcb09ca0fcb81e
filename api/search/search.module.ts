import { Module } from '@nestjs/common';
import { SearchAnalyticsRepository } from './search-analytics.repository';
import { SearchIndexerKeeper } from './search-indexer.keeper';
import { SearchMaintenanceService } from './search-maintenance.service';
import { SearchController } from './search.controller';
import { SearchService } from './search.service';

@Module({
  controllers: [SearchController],
  providers: [SearchService, SearchAnalyticsRepository, SearchIndexerKeeper, SearchMaintenanceService],
})
export class SearchModule {}
