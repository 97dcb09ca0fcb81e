import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { EXPORT_FORMATS, type ExportFormat } from '../conversation-export.format';

export class ExportConversationQueryDto {
  /** json (default), markdown, or html (message text escaped, never rendered). */
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'json' }) @IsOptional() @IsIn(EXPORT_FORMATS)
  format: ExportFormat = 'json';
}
