import { IsISO8601, IsOptional, IsUUID } from 'class-validator';

export class StatsQueryDto {
  /** Start of the window (ISO 8601); 30 days ago by default. */
  @IsOptional() @IsISO8601({ strict: true })
  from?: string;

  /** End of the window (exclusive); now by default. */
  @IsOptional() @IsISO8601({ strict: true })
  to?: string;

  /** One user's figures: anyone may name themselves; naming another needs stats:read. */
  @IsOptional() @IsUUID('all')
  userId?: string;
}
