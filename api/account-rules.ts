import type { Principal, Role, User } from '../schemas/identity';

/** Roles whose holders only the province administrator may close: administrators and the leadership. */
export const PRIVILEGED_ROLES: readonly Role[] = ['province_admin', 'agency_admin', 'leadership'];

/**
 * Why `actor` may not close (or otherwise administer) `target`'s account, or undefined when it may. The province
 * administrator acts on anyone; an agency administrator only on the ordinary users (drafter, approver, signer,
 * clerk) of its own agency; nobody else on anyone. Pure, so the personnel-change and administration routes share it.
 */
export function refuseAccountAction(
  actor: Principal,
  target: Pick<User, 'agency' | 'roles'>,
): string | undefined {
  if (actor.roles.includes('province_admin')) return undefined;
  if (!actor.roles.includes('agency_admin')) return 'only an administrator manages accounts';
  if (target.agency !== actor.agency) return 'an agency administrator acts only on users of its own agency';
  const privileged = target.roles.filter((r) => PRIVILEGED_ROLES.includes(r));
  if (privileged.length > 0)
    return `only the province administrator acts on an account with the role ${privileged.join(', ')}`;
  return undefined;
}
