// The web console: sign in, conversations, streaming chat (resumable across reloads), tool
// approvals, usage and budgets. Everything the API returns is rendered as text (see dom.ts).
import type { EventSourceMessage } from 'eventsource-parser/stream';
import { ApiClient, ApiError, type Tokens } from './api-client';
import { append, clear, h, safeHref } from './dom';
import { applyEvent, isFinished, newTurn, restoreTurn, type TurnState } from './turn-state';

interface Settings {
  apiBase: string;
  docsUrl: string | null;
  temporalUiUrl: string | null;
}
interface User {
  id: string;
  email: string;
  name: string;
  role?: string;
}
interface Conversation {
  id: string;
  title: string;
  updatedAt: string;
  messageCount: number;
}
interface Message {
  id: string;
  role: string;
  content: string;
  model: string | null;
  toolCalls?: { id: string; name: string; arguments: string }[];
}
interface Approval {
  id: string;
  kind: string;
  title: string;
  status: string;
  canDecide: boolean;
  createdAt: string;
}

const TURN_KEY = 'console.turn';
const MODEL_KEY = 'console.model';

let settings: Settings = { apiBase: '/api/v3', docsUrl: '/api/v3/docs', temporalUiUrl: null };
let api = new ApiClient(settings.apiBase);
let user: User | null = null;
let conversationId: string | null = null;
let turn: TurnState | null = null;
let liveBubble: HTMLElement | null = null;
let approvalsTimer: ReturnType<typeof setInterval> | undefined;

const root = document.getElementById('app')!;
// Built afresh for each sign-in, so listeners never pile up.
const makeUi = () => ({
  conversations: h('ul', { class: 'conversations', id: 'conversations' }),
  search: h('input', { type: 'search', id: 'search', placeholder: 'Search conversations', 'aria-label': 'Search conversations' }),
  messages: h('div', { class: 'messages', id: 'messages', 'aria-live': 'polite' }),
  model: h('input', { id: 'model', list: 'models', placeholder: 'default model', 'aria-label': 'Model', autocomplete: 'off' }),
  models: h('datalist', { id: 'models' }),
  tools: h('input', { id: 'tools', list: 'tool-names', placeholder: 'none', 'aria-label': 'Tools the model may call (comma-separated)', autocomplete: 'off' }),
  toolNames: h('datalist', { id: 'tool-names' }),
  input: h('textarea', { id: 'message', rows: '3', placeholder: 'Message', 'aria-label': 'Message', required: true }),
  send: h('button', { type: 'submit', id: 'send' }, 'Send'),
  stop: h('button', { type: 'button', id: 'stop', disabled: true }, 'Stop'),
  status: h('p', { class: 'status', id: 'status', role: 'status' }),
  usage: h('div', { id: 'usage' }),
  approvals: h('div', { id: 'approvals' }),
});
let ui = makeUi();

function say(text: string, isError = false): void {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', isError);
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

// ------------------------------------------------------------------ sign in

function showSignIn(notice = ''): void {
  user = null;
  clearInterval(approvalsTimer);
  let register = false;
  let mfaToken: string | null = null;
  const email = h('input', { type: 'email', id: 'email', required: true, autocomplete: 'username', placeholder: 'you@example.com' });
  const password = h('input', { type: 'password', id: 'password', required: true, autocomplete: 'current-password', minlength: '1' });
  const name = h('input', { id: 'name', autocomplete: 'name' });
  const code = h('input', { id: 'code', inputmode: 'numeric', autocomplete: 'one-time-code' });
  const nameRow = h('label', { hidden: true }, 'Name', name);
  const codeRow = h('label', { hidden: true }, 'Authenticator code', code);
  const submit = h('button', { type: 'submit', id: 'sign-in' }, 'Sign in');
  const message = h('p', { class: 'status', role: 'status' }, notice);
  const toggle = h('button', { type: 'button', class: 'link', id: 'toggle-register' }, 'Create an account');
  toggle.addEventListener('click', () => {
    register = !register;
    nameRow.hidden = !register;
    name.required = register;
    submit.textContent = register ? 'Create account' : 'Sign in';
    toggle.textContent = register ? 'I have an account' : 'Create an account';
  });
  const form = h('form', { class: 'card sign-in', id: 'sign-in-form' }, h('h1', {}, 'Gateway console'), nameRow, h('label', {}, 'Email', email), h('label', {}, 'Password', password), codeRow, submit, toggle, message);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit.disabled = true;
    void (async () => {
      try {
        let tokens: Tokens & { mfaRequired?: boolean; mfaToken?: string };
        if (mfaToken) tokens = await api.post('/auth/mfa/verify', { mfaToken, code: code.value.trim() });
        else if (register) {
          // Register answers alike for a new and a known address (no session either way): sign in next.
          const answer = await api.post<{ message: string }>('/auth/register', { email: email.value, password: password.value, name: name.value.trim() });
          try {
            tokens = await api.post('/auth/login', { email: email.value, password: password.value });
          } catch {
            message.textContent = answer.message;
            return;
          }
        } else tokens = await api.post('/auth/login', { email: email.value, password: password.value });
        if (tokens.mfaRequired && tokens.mfaToken) {
          mfaToken = tokens.mfaToken;
          codeRow.hidden = false;
          code.required = true;
          message.textContent = 'Enter the code from your authenticator app.';
          return;
        }
        api.setTokens(tokens);
        await enter();
      } catch (err) {
        message.textContent = errorText(err);
        message.classList.add('error');
      } finally {
        submit.disabled = false;
      }
    })();
  });
  clear(root, form);
  email.focus();
}

async function enter(): Promise<void> {
  user = (await api.json<{ user: User }>('/auth/session')).user;
  showConsole();
  await Promise.all([loadModels(), loadTools(), loadConversations(), loadUsage(), loadApprovals()]);
  const saved = restoreTurn(sessionStorage.getItem(TURN_KEY));
  if (saved) await resume(saved);
}

async function signOut(): Promise<void> {
  try {
    await api.fetch('/auth/logout', { method: 'POST' });
  } catch {
    // Signing out locally is what matters; the session expires anyway.
  }
  api.setTokens(null);
  sessionStorage.removeItem(TURN_KEY);
  conversationId = null;
  showSignIn('Signed out.');
}

// ------------------------------------------------------------------ layout

function showConsole(): void {
  ui = makeUi();
  // Requests that need the caller's decision arrive from other people's turns too.
  clearInterval(approvalsTimer);
  approvalsTimer = setInterval(() => void loadApprovals(), 20_000);
  const links = h('nav', { class: 'links' });
  const docs = safeHref(settings.docsUrl);
  const temporal = safeHref(settings.temporalUiUrl);
  if (docs) append(links, h('a', { href: docs, target: '_blank', rel: 'noopener noreferrer', id: 'docs-link' }, 'API docs (Swagger UI)'));
  if (temporal) append(links, h('a', { href: temporal, target: '_blank', rel: 'noopener noreferrer', id: 'temporal-link' }, 'Temporal UI'));
  const out = h('button', { type: 'button', class: 'link', id: 'sign-out', onclick: () => void signOut() }, 'Sign out');
  const header = h('header', {}, h('strong', {}, 'Gateway console'), links, h('span', { class: 'who', id: 'who' }, user ? `${user.name} <${user.email}>` : ''), out);

  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  ui.search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => void loadConversations(), 250);
  });
  const newChat = h('button', { type: 'button', id: 'new-chat', onclick: () => openConversation(null) }, 'New chat');
  const left = h('aside', { class: 'left' }, newChat, ui.search, ui.conversations);

  ui.model.value = sessionStorage.getItem(MODEL_KEY) ?? '';
  ui.stop.onclick = () => void stopTurn();
  const composer = h('form', { class: 'composer', id: 'composer' }, ui.input, h('div', { class: 'row' }, h('label', {}, 'Model ', ui.model), ui.models, h('label', {}, 'Tools ', ui.tools), ui.toolNames, ui.send, ui.stop), ui.status);
  composer.addEventListener('submit', (e) => {
    e.preventDefault();
    void sendMessage();
  });
  ui.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      composer.requestSubmit();
    }
  });
  const main = h('main', {}, ui.messages, composer);

  const usageRefresh = h('button', { type: 'button', class: 'link', onclick: () => void loadUsage() }, 'refresh');
  const approvalsRefresh = h('button', { type: 'button', class: 'link', onclick: () => void loadApprovals() }, 'refresh');
  const right = h('aside', { class: 'right' }, h('section', {}, h('h2', {}, 'Usage and budget ', usageRefresh), ui.usage), h('section', {}, h('h2', {}, 'Approvals ', approvalsRefresh), ui.approvals));

  clear(root, header, h('div', { class: 'body' }, left, main, right));
  clear(ui.messages, h('p', { class: 'empty' }, 'Start a conversation below.'));
}

// ------------------------------------------------------------------ data panels

async function loadModels(): Promise<void> {
  try {
    const list = await api.json<{ data: { id: string; available: boolean }[] }>('/models');
    clear(ui.models, ...list.data.filter((m) => m.available).map((m) => h('option', { value: m.id })));
  } catch (err) {
    say(`Models: ${errorText(err)}`, true);
  }
}

async function loadTools(): Promise<void> {
  try {
    const page = await api.json<{ items: { name: string }[] }>('/tools?limit=100');
    clear(ui.toolNames, ...page.items.map((t) => h('option', { value: t.name })));
  } catch {
    // Without tools:read the field still takes names typed by hand.
  }
}

async function loadConversations(): Promise<void> {
  const q = ui.search.value.trim();
  const params = new URLSearchParams({ limit: '50' });
  if (q) params.set('q', q);
  try {
    const page = await api.json<{ items: Conversation[] }>(`/conversations?${params}`);
    clear(
      ui.conversations,
      ...page.items.map((c) =>
        h(
          'li',
          { class: c.id === conversationId ? 'current' : undefined },
          h('button', { type: 'button', 'data-id': c.id, onclick: () => openConversation(c.id) }, h('span', { class: 'title' }, c.title || 'Untitled'), h('small', {}, `${c.messageCount} ${c.messageCount === 1 ? 'message' : 'messages'}`)),
        ),
      ),
    );
    if (!page.items.length) append(ui.conversations, h('li', { class: 'empty' }, q ? 'No conversation matches.' : 'No conversations yet.'));
  } catch (err) {
    clear(ui.conversations, h('li', { class: 'error' }, errorText(err)));
  }
}

async function loadUsage(): Promise<void> {
  const [usage, budgets, credits] = await Promise.allSettled([
    api.json<{ totals: { turns: number; inputTokens: number; outputTokens: number; costUsd: string } }>('/billing/usage'),
    api.json<{ window: string; limitUsd: string; spentUsd: string; reservedUsd: string; remainingUsd: string; resetsAt: string; scopeType: string }[]>('/billing/budgets'),
    api.json<{ balanceUsd: string }>('/billing/credits?limit=1'),
  ]);
  const rows: Node[] = [];
  if (usage.status === 'fulfilled') {
    const t = usage.value.totals;
    rows.push(h('p', { id: 'usage-totals' }, `Last 30 days: ${t.turns} ${t.turns === 1 ? 'turn' : 'turns'}, ${t.inputTokens} input / ${t.outputTokens} output tokens, $${t.costUsd}`));
  } else rows.push(h('p', { class: 'error' }, `Usage: ${errorText(usage.reason)}`));
  if (budgets.status === 'fulfilled') {
    if (!budgets.value.length) rows.push(h('p', {}, 'No budget applies to you.'));
    for (const b of budgets.value) {
      rows.push(h('p', { class: 'budget' }, `${b.window} budget (${b.scopeType}): $${b.spentUsd} spent, $${b.reservedUsd} held, $${b.remainingUsd} left of $${b.limitUsd}; resets ${new Date(b.resetsAt).toLocaleString()}`));
    }
  } else rows.push(h('p', { class: 'error' }, `Budgets: ${errorText(budgets.reason)}`));
  if (credits.status === 'fulfilled') rows.push(h('p', {}, `Credit balance: $${credits.value.balanceUsd}`));
  clear(ui.usage, ...rows);
}

async function loadApprovals(): Promise<void> {
  try {
    const [decidable, mine] = await Promise.all([api.json<{ items: Approval[] }>('/approvals?limit=20'), api.json<{ items: Approval[] }>('/approvals?mine=true&limit=5')]);
    const items: Node[] = decidable.items.map((a) => approvalRow(a));
    if (!items.length) items.push(h('p', { class: 'empty' }, 'Nothing waits for your decision.'));
    if (mine.items.length) items.push(h('h3', {}, 'Your requests'), ...mine.items.map((a) => h('p', { class: 'approval' }, `${a.title} (${a.kind}): ${a.status}`)));
    clear(ui.approvals, ...items);
  } catch (err) {
    clear(ui.approvals, h('p', { class: 'error' }, errorText(err)));
  }
}

function approvalRow(a: Approval): HTMLElement {
  const row = h('div', { class: 'approval', 'data-id': a.id }, h('span', {}, `${a.title} (${a.kind})`));
  if (a.canDecide) append(row, decideButtons(a.id, row));
  return row;
}

function decideButtons(approvalId: string, where: HTMLElement): HTMLElement {
  const decide = (verb: 'approve' | 'reject') => async () => {
    try {
      const done = await api.post<Approval>(`/approvals/${encodeURIComponent(approvalId)}/${verb}`, {});
      append(where, h('span', { class: 'decided' }, ` ${done.status}`));
      await loadApprovals();
    } catch (err) {
      append(where, h('span', { class: 'error' }, ` ${errorText(err)}`));
    }
  };
  return h('span', { class: 'decide' }, h('button', { type: 'button', class: 'approve', onclick: () => void decide('approve')() }, 'Approve'), h('button', { type: 'button', class: 'reject', onclick: () => void decide('reject')() }, 'Reject'));
}

/** The requester sees that the call waits; someone who may decide it gets the buttons here too. */
async function offerDecision(approvalId: string, line: HTMLElement): Promise<void> {
  // The approval workflow records the request a moment after the event: a 404 is retried briefly.
  for (let attempt = 0; attempt < 8; attempt++) {
    try {
      const approval = await api.json<Approval>(`/approvals/${encodeURIComponent(approvalId)}`);
      if (line.isConnected) append(line, approval.canDecide ? decideButtons(approvalId, line) : h('span', { class: 'waiting' }, ' (waiting for an approver)'));
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404) || !line.isConnected) return;
      await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
    }
  }
}

// ------------------------------------------------------------------ messages

function messageEl(role: string, text: string, note?: string): HTMLElement {
  return h('div', { class: `msg ${role}` }, h('div', { class: 'role' }, role), h('div', { class: 'text' }, text), note ? h('div', { class: 'note' }, note) : null);
}

function renderMessage(m: Message): HTMLElement | null {
  if (m.role === 'tool') return h('div', { class: 'msg tool' }, h('div', { class: 'role' }, 'tool result'), h('pre', { class: 'text' }, m.content));
  const calls = m.toolCalls?.length ? `called ${m.toolCalls.map((c) => `${c.name}(${c.arguments})`).join(', ')}` : undefined;
  if (m.role === 'assistant' && !m.content && !calls) return null;
  return messageEl(m.role, m.content, calls);
}

/** The newest 100 messages, oldest first. With `upTo`, stops after that message (a turn in progress follows it). */
async function fetchMessages(id: string): Promise<Message[]> {
  const page = await api.json<{ items: Message[] }>(`/conversations/${encodeURIComponent(id)}/messages?order=desc&limit=100`);
  return page.items.reverse();
}

function renderMessages(list: Message[]): void {
  clear(ui.messages, ...list.map(renderMessage));
  if (!list.length) append(ui.messages, h('p', { class: 'empty' }, 'Start a conversation below.'));
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function openConversation(id: string | null): void {
  if (turn && !isFinished(turn)) {
    say('A reply is still streaming: stop it or wait for it first.', true);
    return;
  }
  conversationId = id;
  for (const li of ui.conversations.querySelectorAll('li')) li.classList.toggle('current', li.querySelector('button')?.dataset.id === id);
  if (!id) {
    renderMessages([]);
    ui.input.focus();
    return;
  }
  void fetchMessages(id)
    .then(renderMessages)
    .catch((err: unknown) => say(errorText(err), true));
}

// ------------------------------------------------------------------ chat turns

function renderLive(state: TurnState): void {
  if (!liveBubble) {
    liveBubble = h('div', { class: 'msg assistant live' }, h('div', { class: 'role' }, 'assistant'), h('div', { class: 'text' }), h('div', { class: 'tools' }), h('div', { class: 'note' }));
    ui.messages.querySelector('.empty')?.remove();
    ui.messages.append(liveBubble);
  }
  if (state.turnId) liveBubble.dataset.turnId = state.turnId;
  liveBubble.dataset.status = state.status;
  liveBubble.querySelector('.text')!.textContent = state.text;
  const tools = liveBubble.querySelector('.tools')!;
  if (tools.childElementCount !== state.tools.length) {
    clear(
      tools,
      ...state.tools.map((t) => {
        const line = h('div', { class: `tool ${t.phase}`, 'data-approval-id': t.approvalId }, `tool ${t.name}: ${t.phase.replace('_', ' ')}${t.error ? ` (${t.error})` : ''}`);
        if (t.phase === 'approval_pending' && t.approvalId) void offerDecision(t.approvalId, line);
        return line;
      }),
    );
  }
  const note = { running: 'streaming…', completed: '', cancelled: 'stopped', failed: state.error ?? 'failed' }[state.status];
  liveBubble.querySelector('.note')!.textContent = note;
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function setRunning(running: boolean): void {
  ui.send.disabled = running;
  ui.stop.disabled = !running || !turn?.turnId;
}

/** Folds a stream's events into the turn, saving it after each so a reload resumes where it was. */
async function consume(events: AsyncGenerator<EventSourceMessage>): Promise<void> {
  for await (const ev of events) {
    const before = turn!;
    turn = applyEvent(before, { id: ev.id, event: ev.event, data: ev.data });
    if (turn === before) continue;
    if (turn.conversationId && turn.conversationId !== conversationId) {
      conversationId = turn.conversationId;
      void loadConversations();
    }
    if (isFinished(turn)) sessionStorage.removeItem(TURN_KEY);
    else sessionStorage.setItem(TURN_KEY, JSON.stringify(turn));
    renderLive(turn);
    setRunning(!isFinished(turn));
    if (turn.tools.at(-1)?.phase === 'approval_pending' && before.tools.length !== turn.tools.length) void loadApprovals();
  }
}

/** Follows the turn until it ends: a dropped connection resumes after the last event it applied. */
async function follow(first: () => AsyncGenerator<EventSourceMessage>): Promise<void> {
  let next = first;
  let failures = 0;
  for (;;) {
    const before = turn?.lastEventId;
    try {
      await consume(next());
    } catch (err) {
      // Refused (4xx), never started, or down for good: the turn is reported as failed.
      if ((err instanceof ApiError && err.status < 500) || !turn?.turnId || failures >= 5) throw err;
      failures++;
    }
    if (!turn || isFinished(turn)) return;
    if (!turn.turnId) throw new Error('The stream ended before the turn started');
    if (turn.lastEventId !== before) failures = 0;
    const { turnId, lastEventId } = turn;
    next = () => api.events(`/chat/turns/${encodeURIComponent(turnId)}/stream`, { headers: lastEventId ? { 'last-event-id': lastEventId } : {} });
    await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** failures, 4000)));
  }
}

async function finish(): Promise<void> {
  const state = turn;
  setRunning(false);
  if (!state) return;
  say(state.status === 'failed' ? (state.error ?? 'The turn failed') : state.status === 'cancelled' ? 'Stopped.' : '');
  // The stored conversation replaces the live bubble once it holds the reply (the same text, once).
  if (state.conversationId && state.conversationId === conversationId && state.userMessageId) {
    try {
      const list = await fetchMessages(state.conversationId);
      const at = list.findIndex((m) => m.id === state.userMessageId);
      if (at >= 0 && list.slice(at + 1).some((m) => m.role === 'assistant' && m.content)) {
        liveBubble = null;
        renderMessages(list);
      }
    } catch {
      // The live bubble stays: it holds the same text.
    }
  }
  turn = null;
  liveBubble = null;
  void loadConversations();
  void loadUsage();
  if (state.tools.length) void loadApprovals();
}

async function sendMessage(): Promise<void> {
  const text = ui.input.value;
  if (!text.trim() || (turn && !isFinished(turn))) return;
  const model = ui.model.value.trim();
  const tools = ui.tools.value.split(',').map((t) => t.trim()).filter(Boolean);
  sessionStorage.setItem(MODEL_KEY, model);
  ui.input.value = '';
  say('');
  ui.messages.querySelector('.empty')?.remove();
  ui.messages.append(messageEl('user', text));
  turn = newTurn(conversationId);
  liveBubble = null;
  renderLive(turn);
  setRunning(true);
  const body = JSON.stringify({ message: text, ...(model ? { model } : {}), ...(tools.length ? { tools } : {}), ...(conversationId ? { conversationId } : {}) });
  try {
    await follow(() => api.events('/chat/stream', { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
  } catch (err) {
    turn = { ...(turn ?? newTurn()), status: 'failed', error: errorText(err) };
    sessionStorage.removeItem(TURN_KEY);
    renderLive(turn);
  }
  await finish();
}

/** After a reload: the history up to the turn's message, the text saved so far, then the rest of the stream. */
async function resume(saved: TurnState): Promise<void> {
  turn = saved;
  conversationId = saved.conversationId;
  try {
    if (saved.conversationId) {
      const list = await fetchMessages(saved.conversationId);
      const at = list.findIndex((m) => m.id === saved.userMessageId);
      renderMessages(at >= 0 ? list.slice(0, at + 1) : list);
    }
    liveBubble = null;
    renderLive(saved);
    setRunning(true);
    const { turnId, lastEventId } = saved;
    await follow(() => api.events(`/chat/turns/${encodeURIComponent(turnId!)}/stream`, { headers: lastEventId ? { 'last-event-id': lastEventId } : {} }));
  } catch (err) {
    sessionStorage.removeItem(TURN_KEY);
    turn = { ...saved, status: 'failed', error: errorText(err) };
    renderLive(turn);
  }
  await finish();
}

async function stopTurn(): Promise<void> {
  if (!turn?.turnId) return;
  ui.stop.disabled = true;
  try {
    await api.post(`/chat/turns/${encodeURIComponent(turn.turnId)}/cancel`);
    // The `cancelled` event may have arrived (and been reported) first.
    if (turn && !isFinished(turn)) say('Stopping…');
  } catch (err) {
    say(errorText(err), true);
    ui.stop.disabled = false;
  }
}

// ------------------------------------------------------------------ boot

async function boot(): Promise<void> {
  try {
    const res = await fetch('/console-settings.json');
    if (res.ok) settings = (await res.json()) as Settings;
  } catch {
    // Defaults: the API under /api/v3, no Temporal UI link.
  }
  api = new ApiClient(settings.apiBase);
  api.onSignedOut = () => showSignIn('Your session has ended: sign in again.');
  if (!api.signedIn) return showSignIn();
  try {
    await enter();
  } catch (err) {
    if (!user) showSignIn(errorText(err));
    else say(errorText(err), true);
  }
}

void boot();
