import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';

// Query strings arrive as text; anything but "true"/"false" stays a string and fails @IsBoolean.
const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class SummarizeQueryDto {
  /** true: wait for the summary and answer 200 with it, instead of 202 at once. */
  @IsOptional() @Transform(toBool) @IsBoolean()
  wait?: boolean;
}

export class SummaryRunDto {
  /** `summarize:<conversationId>:<lastMessageId>`: the same conversation state is summarized once. */
  workflowId: string;
  /** The workflow's execution status: running, completed, failed… */
  status: string;
  /** With wait=true: the stored summary, and the model and provider that wrote it. */
  summary?: string;
  model?: string;
  provider?: string;
}
