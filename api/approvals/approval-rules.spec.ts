import { permissionsOf } from '../../shared/domain/roles';
import type { Approval } from '../../shared/persistence/entities';
import { durationMs } from '../../workflows/approval/approval.contract';
import type { Principal } from '../common/auth/principal';
import { canDecide, canSee, effectiveStatus } from './approval-rules';

const principal = (userId: string, role: string): Principal => ({ userId, role, email: `${userId}@x`, permissions: permissionsOf(role) });
const approval = (over: Partial<Approval> = {}) =>
  ({ requester: { id: 'req' }, deciderRoles: [], deciderUserIds: [], allowSelfApproval: false, status: 'pending', expiresAt: new Date(Date.now() + 60_000), ...over }) as unknown as Approval;

describe('approval rules', () => {
  it('lets deciders by role or id decide, never the requester unless allowed', () => {
    const byRole = approval({ deciderRoles: ['admin'] });
    expect(canDecide(byRole, principal('a1', 'admin'))).toBe(true);
    expect(canDecide(byRole, principal('m1', 'member'))).toBe(false);
    expect(canSee(byRole, principal('m1', 'member'))).toBe(false);
    expect(canSee(byRole, principal('req', 'member'))).toBe(true);

    const byId = approval({ deciderUserIds: ['m1'] });
    expect(canDecide(byId, principal('m1', 'member'))).toBe(true);
    // A viewer named as decider still lacks approvals:decide.
    expect(canDecide(byId, principal('m1', 'viewer'))).toBe(false);

    const own = approval({ deciderRoles: ['admin'], requester: { id: 'a1' } as never });
    expect(canDecide(own, principal('a1', 'admin'))).toBe(false);
    expect(canDecide({ ...own, allowSelfApproval: true } as Approval, principal('a1', 'admin'))).toBe(true);
  });

  it('shows a pending request past its deadline as expired', () => {
    expect(effectiveStatus(approval({ expiresAt: new Date(Date.now() - 1) }))).toBe('expired');
    expect(effectiveStatus(approval())).toBe('pending');
    expect(effectiveStatus(approval({ status: 'approved', expiresAt: new Date(0) }))).toBe('approved');
  });

  it('parses ISO 8601 durations', () => {
    expect(durationMs('P3D')).toBe(3 * 86_400_000);
    expect(durationMs('PT1H30M')).toBe(5_400_000);
    expect(durationMs('P1W')).toBe(7 * 86_400_000);
    expect(durationMs('PT0.5S')).toBe(500);
    for (const bad of ['P', 'PT', '3d', 'P1H', '', 'PT-1S']) expect(durationMs(bad)).toBeUndefined();
  });
});
