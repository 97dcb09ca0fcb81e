import type { EntityManager } from '@mikro-orm/postgresql';
import { BuiltInRole } from '../../shared/domain/roles';
import { User, UserStatus } from '../../shared/persistence/entities';
import { UserLifecycle } from './user-lifecycle.service';

// The e2e stack always has its bootstrap admin, so "last admin" is pinned down here.
function user(role: string, status: UserStatus): User {
  return Object.assign(new User(), { email: 'a@example.test', name: 'A', role, status });
}

function emCounting(otherActiveAdmins: number) {
  const count = jest.fn().mockResolvedValue(otherActiveAdmins);
  return { em: { count } as unknown as EntityManager, count };
}

describe('UserLifecycle.assertNotLastAdmin', () => {
  const lifecycle = new UserLifecycle({} as EntityManager);

  it('refuses to remove the last active admin with a 409', async () => {
    const { em, count } = emCounting(0);
    const admin = user(BuiltInRole.Admin, UserStatus.Active);
    await expect(lifecycle.assertNotLastAdmin(em, admin)).rejects.toMatchObject({ status: 409 });
    expect(count).toHaveBeenCalledWith(User, { role: BuiltInRole.Admin, status: UserStatus.Active, id: { $ne: admin.id } });
  });

  it('allows it while another active admin remains', async () => {
    const { em } = emCounting(1);
    await expect(lifecycle.assertNotLastAdmin(em, user(BuiltInRole.Admin, UserStatus.Active))).resolves.toBeUndefined();
  });

  it.each([
    [BuiltInRole.Member, UserStatus.Active],
    [BuiltInRole.Admin, UserStatus.Suspended],
  ])('does not count for a %s who is %s', async (role, status) => {
    const { em, count } = emCounting(0);
    await expect(lifecycle.assertNotLastAdmin(em, user(role, status))).resolves.toBeUndefined();
    expect(count).not.toHaveBeenCalled();
  });
});
