import type { Approval } from '../../shared/persistence/entities';
import { Permission } from '../../shared/domain/roles';
import type { Principal } from '../common/auth/principal';

/** Matches the deciders by role or id (and holds approvals:decide). */
export function isDecider(a: Approval, p: Principal): boolean {
  return p.permissions.has(Permission.ApprovalsDecide) && (a.deciderRoles.includes(p.role) || a.deciderUserIds.includes(p.userId));
}

/** The requester, a decider, or an approvals manager. */
export function canSee(a: Approval, p: Principal): boolean {
  return a.requester.id === p.userId || isDecider(a, p) || p.permissions.has(Permission.ApprovalsManage);
}

export function canDecide(a: Approval, p: Principal): boolean {
  return isDecider(a, p) && (a.requester.id !== p.userId || a.allowSelfApproval);
}

/** The stored status, or expired for a pending request whose deadline has passed. */
export function effectiveStatus(a: Approval, now = Date.now()): Approval['status'] {
  return a.status === 'pending' && a.expiresAt.getTime() <= now ? 'expired' : a.status;
}
