// Which roles open which area. Identity owns the roles; this is only the shell's view of them.
import type { Access } from '../ui/AreaGate';

export type Area = 'pro' | 'agent' | 'counter' | 'tracking';

export const AREA_ROLES: Record<Area, readonly string[]> = {
  pro: ['b2b_member', 'b2b_admin', 'admin'],
  agent: ['agent', 'conductor', 'operator', 'admin'],
  /** Counter sales, paid in cash: booking and payments ask for `counter.sell`. */
  counter: ['agent', 'admin'],
  /** The GPS devices of the trains: registering them asks for `tracking.manage`, assigning them `operations.manage`. */
  tracking: ['operator', 'admin'],
};

export function hasArea(roles: readonly string[], area: Area): boolean {
  return roles.some((role) => AREA_ROLES[area].includes(role));
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
