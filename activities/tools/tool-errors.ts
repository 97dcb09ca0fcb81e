/**
 * A tool call that failed for a reason the caller should see. `retryable` decides whether the tool's
 * retry policy gets another attempt; the type reaches the API, which maps it to a problem status.
 */
export class ToolCallFailure extends Error {
  constructor(
    readonly type: 'ToolInputError' | 'UpstreamError' | 'ResultTooLarge' | 'ToolConfigError' | 'ToolNotImplemented' | 'DestinationNotAllowed',
    message: string,
    readonly retryable = false,
    readonly upstreamStatus?: number,
  ) {
    super(message);
    this.name = 'ToolCallFailure';
  }
}

export const toolInputError = (message: string) => new ToolCallFailure('ToolInputError', message);
