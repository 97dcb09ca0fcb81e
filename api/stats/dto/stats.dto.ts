import { IsISO8601, IsOptional, IsUUID } from 'class-validator';
import { IsTimestampString } from '../../common/validation/timestamp.validator';

export class StatsQueryDto {
  /** Start of the window (ISO 8601); 30 days ago by default. */
  @IsOptional() @IsISO8601({ strict: true }) @IsTimestampString()
  from?: string;

  /** End of the window (exclusive); now by default. */
  @IsOptional() @IsISO8601({ strict: true }) @IsTimestampString()
  to?: string;

  /** One user's figures: anyone may name themselves; naming another needs stats:read. */
  @IsOptional() @IsUUID('all')
  userId?: string;
}
