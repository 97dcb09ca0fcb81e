import { evaluatePolicies, inWindow, PolicyDoc } from './policy-engine';

const base = { enabled: true, defaultDeny: false };
const member = { role: 'member', teamIds: ['t1'] };

describe('evaluatePolicies', () => {
  it('allows by default and traces nothing without policies', () => {
    expect(evaluatePolicies([], 'chat.turn', member, { type: 'chat' })).toEqual({ decision: 'allow', trace: [] });
  });

  it('lets an explicit deny win over an allow, naming the deciding policy', () => {
    const policies: PolicyDoc[] = [
      { ...base, id: 'a', name: 'allow-members', action: 'chat.turn', rules: [{ effect: 'allow', roles: ['member'] }] },
      { ...base, id: 'd', name: 'no-gpt4o', action: '*', rules: [{ effect: 'deny', models: ['openai/gpt-4o*'] }] },
    ];
    const r = evaluatePolicies(policies, 'chat.turn', member, { type: 'chat', model: 'openai/gpt-4o-mini' });
    expect(r.decision).toBe('deny');
    expect(r.deciding).toEqual({ policyId: 'd', policyName: 'no-gpt4o', rule: 0 });
    expect(r.trace.map((t) => [t.policyId, t.matched])).toEqual([['a', true], ['d', true]]);
  });

  it('denies by default only when a policy for the action says so and nothing allows', () => {
    const p: PolicyDoc = { ...base, id: 'p', name: 'teams-only', action: 'tool.run', defaultDeny: true, rules: [{ effect: 'allow', teams: ['t9'] }] };
    expect(evaluatePolicies([p], 'tool.run', member, { type: 'tool', tool: 'x' })).toMatchObject({ decision: 'deny', deciding: { rule: 'default' } });
    expect(evaluatePolicies([p], 'tool.run', { role: 'member', teamIds: ['t9'] }, { type: 'tool' }).decision).toBe('allow');
    expect(evaluatePolicies([p], 'chat.turn', member, { type: 'chat' }).decision).toBe('allow');
  });

  it('applies a cost ceiling, tools, classification, and ignores disabled policies', () => {
    const p: PolicyDoc = {
      ...base,
      id: 'c',
      name: 'ceiling',
      action: '*',
      rules: [{ effect: 'deny', costAboveUsd: 0.5 }, { effect: 'deny', tools: ['fetch_url_as_text'], classifications: ['secret'] }],
    };
    expect(evaluatePolicies([p], 'chat.turn', member, { type: 'chat', costUsd: 0.6 }).decision).toBe('deny');
    expect(evaluatePolicies([p], 'chat.turn', member, { type: 'chat', costUsd: 0.5 }).decision).toBe('allow');
    expect(evaluatePolicies([p], 'tool.run', member, { type: 'tool', tool: 'fetch_url_as_text', classification: 'public' }).decision).toBe('allow');
    expect(evaluatePolicies([p], 'tool.run', member, { type: 'tool', tool: 'fetch_url_as_text', classification: 'secret' }).decision).toBe('deny');
    expect(evaluatePolicies([{ ...p, enabled: false }], 'chat.turn', member, { type: 'chat', costUsd: 9 }).decision).toBe('allow');
  });
});

describe('evaluatePolicies: workflows', () => {
  it('matches workflow ids only for workflow resources', () => {
    const p: PolicyDoc = { ...base, id: 'w', name: 'no-payroll', action: '*', rules: [{ effect: 'deny', workflows: ['wf-payroll'] }] };
    expect(evaluatePolicies([p], 'workflow.execute', member, { type: 'workflow', id: 'wf-payroll' })).toMatchObject({ decision: 'deny', deciding: { policyId: 'w', rule: 0 } });
    expect(evaluatePolicies([p], 'workflow.execute', member, { type: 'workflow', id: 'wf-other' }).decision).toBe('allow');
    // A tool or chat resource never matches a workflows condition, even with the same id.
    expect(evaluatePolicies([p], 'tool.run', member, { type: 'tool', tool: 'x', id: 'wf-payroll' }).decision).toBe('allow');
  });
});

describe('inWindow', () => {
  // 2026-01-05 is a Monday; 08:30 UTC is 09:30 in Paris (CET, UTC+1).
  const mondayMorning = new Date('2026-01-05T08:30:00Z');

  it('reads days and hours in the window timezone', () => {
    expect(inWindow({ timezone: 'Europe/Paris', days: ['mon'], fromHour: 9, toHour: 17 }, mondayMorning)).toBe(true);
    expect(inWindow({ timezone: 'UTC', days: ['mon'], fromHour: 9, toHour: 17 }, mondayMorning)).toBe(false);
    expect(inWindow({ timezone: 'America/New_York', days: ['mon'] }, new Date('2026-01-05T03:00:00Z'))).toBe(false);
  });

  it('handles overnight windows and `outside`', () => {
    expect(inWindow({ timezone: 'UTC', fromHour: 22, toHour: 6 }, new Date('2026-01-05T23:00:00Z'))).toBe(true);
    expect(inWindow({ timezone: 'UTC', fromHour: 22, toHour: 6 }, new Date('2026-01-05T12:00:00Z'))).toBe(false);
    expect(inWindow({ timezone: 'UTC', fromHour: 9, toHour: 17, outside: true }, new Date('2026-01-05T20:00:00Z'))).toBe(true);
  });
});
