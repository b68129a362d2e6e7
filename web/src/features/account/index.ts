// The account feature's public surface: what the shell may use.
export { ProfilePage } from './components/ProfilePage';
export { SignOutButton } from './components/SignOutButton';
export { SignUpPage } from './components/SignUpPage';
export { refreshSession, useSession, type Session } from './session';
export type { User } from './api/types';
