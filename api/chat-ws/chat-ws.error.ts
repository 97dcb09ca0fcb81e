import type { ErrorCode } from './chat-ws.protocol';

/** A protocol error with its wire code, thrown by handlers and turned into an `error` frame. */
export class ChatWsError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Close the socket with this code once the error frame is sent. */
    readonly closeCode?: number,
  ) {
    super(message);
  }
}
