/**
 * Policy evaluation, pure and synchronous so the hot paths (chat, tools) pay no I/O for it.
 * Order: an explicit deny wins, then an allow; with neither, allow unless a policy for the action
 * says default-deny.
 */

export const POLICY_ACTIONS = ['chat.turn', 'tool.run', 'workflow.execute', '*'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface TimeWindow {
  /** Days the window is open (in `timezone`); all days when omitted. */
  days?: Weekday[];
  /** Hours [fromHour, toHour) in `timezone`; the whole day when omitted. toHour may be below fromHour (overnight). */
  fromHour?: number;
  toHour?: number;
  timezone: string;
  /** Match outside the window instead of inside it. */
  outside?: boolean;
}

/** Every condition given must hold for the rule to match; a rule with no condition always matches. */
export interface PolicyRule {
  effect: 'allow' | 'deny';
  description?: string;
  roles?: string[];
  /** Team ids. */
  teams?: string[];
  /** Model ids; a trailing `*` matches a prefix. */
  models?: string[];
  tools?: string[];
  /** Workflow ids as the /workflows routes name them (a declared definition's id, or `code:<name>`). */
  workflows?: string[];
  /** Cost ceiling: matches when the (estimated) cost is above this many USD. */
  costAboveUsd?: number;
  classifications?: string[];
  timeWindow?: TimeWindow;
}

export interface PolicyDoc {
  id: string;
  name: string;
  action: string;
  enabled: boolean;
  defaultDeny: boolean;
  rules: PolicyRule[];
}

export interface PolicySubject {
  role: string;
  teamIds: readonly string[];
}

export interface PolicyResource {
  type: string;
  /** The workflow's id, for workflow.execute. */
  id?: string;
  model?: string;
  tool?: string;
  costUsd?: number;
  classification?: string;
}

export interface TraceEntry {
  policyId: string;
  policyName: string;
  rule: number | 'default';
  matched: boolean;
  effect: 'allow' | 'deny';
}

export interface PolicyDecision {
  decision: 'allow' | 'deny';
  /** The policy that decided a deny. */
  deciding?: { policyId: string; policyName: string; rule: number | 'default' };
  trace: TraceEntry[];
}

function listMatches(list: readonly string[] | undefined, value: string | undefined, glob = false): boolean {
  if (!list) return true;
  if (value === undefined) return false;
  return list.some((item) => (glob && item.endsWith('*') ? value.startsWith(item.slice(0, -1)) : item === value));
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function localParts(at: Date, timezone: string): { day: Weekday; hour: number } {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
    formatters.set(timezone, f);
  }
  const parts = f.formatToParts(at);
  const day = parts.find((p) => p.type === 'weekday')!.value.toLowerCase().slice(0, 3) as Weekday;
  const hour = Number(parts.find((p) => p.type === 'hour')!.value);
  return { day, hour };
}

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function inWindow(w: TimeWindow, at: Date): boolean {
  const { day, hour } = localParts(at, w.timezone);
  const dayOk = !w.days || w.days.includes(day);
  const from = w.fromHour ?? 0;
  const to = w.toHour ?? 24;
  const hourOk = from <= to ? hour >= from && hour < to : hour >= from || hour < to;
  const inside = dayOk && hourOk;
  return w.outside ? !inside : inside;
}

export function ruleMatches(rule: PolicyRule, subject: PolicySubject, resource: PolicyResource, at: Date): boolean {
  if (!listMatches(rule.roles, subject.role)) return false;
  if (rule.teams && !rule.teams.some((t) => subject.teamIds.includes(t))) return false;
  if (!listMatches(rule.models, resource.model, true)) return false;
  if (!listMatches(rule.tools, resource.tool)) return false;
  if (!listMatches(rule.workflows, resource.type === 'workflow' ? resource.id : undefined)) return false;
  if (!listMatches(rule.classifications, resource.classification)) return false;
  if (rule.costAboveUsd !== undefined && !((resource.costUsd ?? 0) > rule.costAboveUsd)) return false;
  if (rule.timeWindow && !inWindow(rule.timeWindow, at)) return false;
  return true;
}

export function evaluatePolicies(policies: readonly PolicyDoc[], action: string, subject: PolicySubject, resource: PolicyResource, at = new Date()): PolicyDecision {
  const trace: TraceEntry[] = [];
  let deny: PolicyDecision['deciding'];
  let allowed = false;
  let defaultDeny: PolicyDoc | undefined;
  for (const p of policies) {
    if (!p.enabled || (p.action !== action && p.action !== '*')) continue;
    p.rules.forEach((rule, i) => {
      const matched = ruleMatches(rule, subject, resource, at);
      trace.push({ policyId: p.id, policyName: p.name, rule: i, matched, effect: rule.effect });
      if (!matched) return;
      if (rule.effect === 'deny') deny ??= { policyId: p.id, policyName: p.name, rule: i };
      else allowed = true;
    });
    if (p.defaultDeny) defaultDeny ??= p;
  }
  if (deny) return { decision: 'deny', deciding: deny, trace };
  if (allowed || !defaultDeny) return { decision: 'allow', trace };
  trace.push({ policyId: defaultDeny.id, policyName: defaultDeny.name, rule: 'default', matched: true, effect: 'deny' });
  return { decision: 'deny', deciding: { policyId: defaultDeny.id, policyName: defaultDeny.name, rule: 'default' }, trace };
}
