// Which roles open which area. Identity owns the roles; this is only the shell's view of them.
import type { Access } from '../ui/AreaGate';

export type Area = 'pro' | 'agent' | 'check' | 'counter' | 'tracking';

export const AREA_ROLES: Record<Area, readonly string[]> = {
  pro: ['b2b_member', 'b2b_admin', 'admin'],
  agent: ['agent', 'conductor', 'operator', 'admin'],
  /** Ticket checks: booking asks for `tickets.verify` (operators read manifests but do not check tickets). */
  check: ['agent', 'conductor', 'admin'],
  /** Counter sales, paid in cash: booking and payments ask for `counter.sell`. */
  counter: ['agent', 'admin'],
  /** The GPS devices of the trains: registering them asks for `tracking.manage`, assigning them `operations.manage`. */
  tracking: ['operator', 'admin'],
};

export function hasArea(roles: readonly string[], area: Area): boolean {
  return roles.some((role) => AREA_ROLES[area].includes(role));
}

/** Staff who may enter the staff area but not this part of it (an operator on the ticket check). */
export function staffWithoutArea(roles: readonly string[], area: Area): boolean {
  return hasArea(roles, 'agent') && !hasArea(roles, area);
}

type SessionView =
  | { status: 'checking' | 'signed-out' | 'unreachable' }
  | { status: 'signed-in'; user: { roles: readonly string[] } };

export function accessTo(area: Area, session: SessionView): Access {
  switch (session.status) {
    case 'checking':
      return 'checking';
    case 'unreachable':
      return 'unreachable';
    case 'signed-out':
      return 'signed-out';
    case 'signed-in':
      return hasArea(session.user.roles, area) ? 'allowed' : 'denied';
  }
}
