/** Contract of the sendEmail workflow: what the API starts it with, and its id. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  /** Why the email exists (verify-email, reset-password, invite…): logs and the workflow id. */
  purpose: string;
}

export interface SendEmailInput {
  message: EmailMessage;
  /** Request that caused the email; logged by the activity so one request can be followed end to end. */
  requestId?: string;
}

export interface SendEmailResult {
  messageId: string;
}

/** One email per business event: starting twice with the same key is a no-op. */
export function sendEmailWorkflowId(purpose: string, key: string): string {
  return `email:${purpose}:${key}`;
}

export const SEND_EMAIL_WORKFLOW = 'sendEmailWorkflow';
