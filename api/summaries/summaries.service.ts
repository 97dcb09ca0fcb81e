import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { configuredProviderNames } from '../../shared/llm/provider.factory';
import { AppConfig } from '../../shared/config/app-config';
import { defaultModelId, NoProviderForModelError, ProviderName, providerChain, UnknownModelError } from '../../shared/domain/model-registry';
import { currentRequestId } from '../../shared/observability/request-context';
import { Message, MessageRole } from '../../shared/persistence/entities';
import { SA } from '../../temporal/search-attributes';
import { TemporalClient } from '../../temporal/temporal-client.module';
import type { summarizeConversationWorkflow } from '../../workflows';
import {
  SUMMARIZE_CONVERSATION_WORKFLOW,
  summarizeConversationWorkflowId,
  SummarizeConversationInput,
} from '../../workflows/summarize-conversation/summarize-conversation.contract';
import type { Principal } from '../common/auth/principal';
import { ProblemException, Problems } from '../common/problem/problem.exception';
import { ConversationAccess } from '../conversations/conversation-access.service';
import type { SummaryRunDto } from './dto/summarize.dto';

/** With wait=true, answer 202 (still running) after this long. */
const WAIT_AT_MOST_MS = 60_000;

/** Conversation summaries: the rules (ownership, something to summarize, a usable model) and the workflow start. */
@Injectable()
export class SummariesService {
  private readonly configured: ReadonlySet<ProviderName>;

  constructor(
    private readonly em: EntityManager,
    private readonly access: ConversationAccess,
    private readonly temporal: TemporalClient,
    config: AppConfig,
  ) {
    this.configured = configuredProviderNames(config);
  }

  async summarize(principal: Principal, conversationId: string, wait: boolean): Promise<SummaryRunDto> {
    const conversation = await this.access.owned(principal, conversationId);
    const last = await this.em.findOne(
      Message,
      { conversation, deletedAt: null, role: { $in: [MessageRole.User, MessageRole.Assistant] } },
      { orderBy: { createdAt: 'desc', id: 'desc' } },
    );
    if (!last) throw Problems.conflict('The conversation has no messages to summarize');
    const model = this.usableModel(conversation.model);

    const input: SummarizeConversationInput = { conversationId, userId: principal.userId, lastMessageId: last.id, model, requestId: currentRequestId() };
    const workflowId = summarizeConversationWorkflowId(conversationId, last.id);
    await this.start(workflowId, input);
    const handle = this.temporal.workflow.getHandle<typeof summarizeConversationWorkflow>(workflowId);
    if (!wait) {
      const { status } = await handle.describe();
      return { workflowId, status: status.name.toLowerCase() };
    }
    // A slow provider must not hold the request open for the activity's whole retry budget.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), WAIT_AT_MOST_MS);
    try {
      const r = await this.temporal.withAbortSignal(timeout.signal, () => handle.result());
      return { workflowId, status: 'completed', summary: r.summary, model: r.model, provider: r.provider };
    } catch (err) {
      if (err instanceof WorkflowFailedError) throw summaryFailed(err);
      if (timeout.signal.aborted) return { workflowId, status: 'running' };
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Idempotent: a running or completed summary of the same state is reused; a failed one may run again. */
  private async start(workflowId: string, input: SummarizeConversationInput) {
    try {
      await this.temporal.workflow.start<typeof summarizeConversationWorkflow>(SUMMARIZE_CONVERSATION_WORKFLOW, {
        workflowId,
        taskQueue: this.temporal.queue('background'),
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        typedSearchAttributes: [
          { key: SA.kind, value: 'summary' },
          { key: SA.userId, value: input.userId },
          { key: SA.conversationId, value: input.conversationId },
          { key: SA.model, value: input.model },
          { key: SA.status, value: 'running' },
          ...(input.requestId ? [{ key: SA.requestId, value: input.requestId }] : []),
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** The conversation's model, or the default when it has none; 409 when its model cannot be served. */
  private usableModel(model: string | null): string {
    if (!model) return defaultModelId(this.configured);
    try {
      providerChain(model, this.configured);
      return model;
    } catch (err) {
      if (err instanceof UnknownModelError || err instanceof NoProviderForModelError) {
        throw Problems.conflict(`The conversation's model cannot be used (${err.message}); choose another with PATCH /conversations/{id}`);
      }
      throw err;
    }
  }
}

/** The provider's failure as a 502 problem: it is the upstream that failed, not the request. */
function summaryFailed(err: WorkflowFailedError): ProblemException {
  const cause = err.cause instanceof ActivityFailure ? err.cause.cause : err.cause;
  const problem = cause instanceof ApplicationFailure ? (cause.details?.[0] as { detail?: string } | undefined) : undefined;
  return new ProblemException(HttpStatus.BAD_GATEWAY, 'Summary failed', problem?.detail ?? cause?.message ?? 'The model provider failed');
}
