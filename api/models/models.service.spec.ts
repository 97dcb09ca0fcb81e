import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../../shared/config/app-config';
import { Permission } from '../../shared/domain/roles';
import type { Principal } from '../common/auth/principal';
import { ProblemException } from '../common/problem/problem.exception';
import type { ModelUsageRepository } from './model-usage.repository';
import { ModelsService } from './models.service';

const member: Principal = { userId: 'u-member', email: 'm@x', role: 'member', permissions: new Set([Permission.ChatUse]) };
const admin: Principal = { userId: 'u-admin', email: 'a@x', role: 'admin', permissions: new Set([Permission.UsersRead]) };
const zero = { turns: 0, inputTokens: 0, outputTokens: 0, costUsd: '0.00000000' };

function setup(userExists = true) {
  const totals = jest.fn(async ({ models }: { models: string[] }) => new Map(models.map((m) => [m, { ...zero, turns: 1, inputTokens: 10, outputTokens: 5 }])));
  const count = jest.fn(async () => (userExists ? 1 : 0));
  const service = new ModelsService({ OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:1/v1' } as AppConfig, { count } as unknown as EntityManager, { totals } as unknown as ModelUsageRepository);
  return { service, totals, count };
}

async function problemOf(p: unknown): Promise<ProblemException> {
  const err = await Promise.resolve(p).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProblemException);
  return err as ProblemException;
}

describe('ModelsService', () => {
  it('lists only models whose provider is configured unless all', () => {
    const { service } = setup();
    const listed = service.list().data;
    expect(new Set(listed.map((m) => m.provider))).toEqual(new Set(['local', 'openai']));
    expect(service.list(true).data.some((m) => m.provider === 'anthropic' && !m.available)).toBe(true);
  });

  it("a member reads only their own usage; an admin reads anyone's that exists", async () => {
    const { service, totals } = setup();
    expect((await service.usage(member, 'openai/gpt-4o-mini', {})).userId).toBe('u-member');
    expect((await service.usage(member, 'openai/gpt-4o-mini', { userId: 'u-member' })).totalTokens).toBe(15);
    expect((await problemOf(service.usage(member, 'openai/gpt-4o-mini', { userId: 'u-other' }))).getStatus()).toBe(403);
    expect((await service.usage(admin, 'openai/gpt-4o-mini', { userId: 'u-other' })).userId).toBe('u-other');
    expect(totals).toHaveBeenLastCalledWith({ userId: 'u-other', models: ['openai/gpt-4o-mini'], from: undefined, to: undefined });
    expect((await problemOf(setup(false).service.usage(admin, 'openai/gpt-4o-mini', { userId: 'u-gone' }))).getStatus()).toBe(404);
  });

  it('rejects an empty date range and unknown models', async () => {
    const { service, totals } = setup();
    const at = new Date('2026-01-01T00:00:00Z');
    expect((await problemOf(service.usage(member, 'local/smollm2-135m-instruct', { from: at, to: at }))).getStatus()).toBe(400);
    expect((await problemOf(service.usage(member, 'nope/x', {}))).getStatus()).toBe(404);
    expect((await problemOf(service.compare(member, { ids: 'local/smollm2-135m-instruct,nope/x' }))).getStatus()).toBe(400);
    expect((await problemOf(service.compare(member, { ids: 'local/smollm2-135m-instruct,local/smollm2-135m-instruct' }))).getStatus()).toBe(400);
    expect(totals).not.toHaveBeenCalled();
  });

  it('routes a trailing /usage to usage, anything else to the model', async () => {
    const { service } = setup();
    expect(service.byPath(member, 'openai-compatible/some/name', {})).toMatchObject({ id: 'openai-compatible/some/name', available: true });
    expect(await service.byPath(member, 'openai-compatible/echo/usage', {})).toMatchObject({ model: 'openai-compatible/echo', turns: 1 });
  });

  it("resolve() names the model in a 400 that carries OpenAI's error object", () => {
    const { service } = setup();
    expect(service.resolve('openai/gpt-4o-mini')).toBe('openai/gpt-4o-mini');
    let err: ProblemException | undefined;
    try {
      service.resolve('anthropic/claude-sonnet-4');
    } catch (e) {
      err = e as ProblemException;
    }
    expect(err?.getStatus()).toBe(400);
    expect(err?.extensions.error).toMatchObject({ param: 'model', code: 'model_not_found', type: 'invalid_request_error' });
  });
});
