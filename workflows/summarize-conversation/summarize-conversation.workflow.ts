import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import { SA } from '../../temporal/search-attributes';
import type { SummarizeActivities } from '../../activities/chat/summarize.activities';
import type { SummarizeConversationInput, SummarizeConversationResult } from './summarize-conversation.contract';

// One activity: load the messages, ask the model, store the summary. The text stays out of history
// except in the result, which is short by construction (max tokens).
const { summarizeConversation } = proxyActivities<SummarizeActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['ProviderAuthError', 'ProviderBadRequestError', 'ConversationNotFoundError'],
  },
});

export async function summarizeConversationWorkflow(input: SummarizeConversationInput): Promise<SummarizeConversationResult> {
  const result = await summarizeConversation(input);
  upsertSearchAttributes([{ key: SA.status, value: 'completed' }]);
  return result;
}
