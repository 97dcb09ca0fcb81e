// Every workflow the workers run. The worker bundle is built from this file.
export { chatTurnWorkflow } from './chat-turn/chat-turn.workflow';
export { declarativeRunWorkflow } from './declarative-run/declarative-run.workflow';
export { sendEmailWorkflow } from './send-email/send-email.workflow';
export { summarizeConversationWorkflow } from './summarize-conversation/summarize-conversation.workflow';
