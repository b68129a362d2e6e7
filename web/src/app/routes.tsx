// The app's routes: one path, one page. Unknown paths get a "not found" page.
import type { ReactElement } from 'react';
import { ProfilePage, SignUpPage, refreshSession, type Session } from '../features/account';
import { AgentArea } from '../features/agent';
import { HomePage } from '../features/home';
import { ProArea } from '../features/pro';
import { normalizePath } from '../lib/router';
import { accessTo } from './roles';
import { NotFoundPage } from './NotFoundPage';

const retry = () => void refreshSession();

export function renderRoute(path: string, session: Session): ReactElement {
  switch (normalizePath(path)) {
    case '/':
      return <HomePage displayName={session.status === 'signed-in' ? session.user.displayName : null} />;
    case '/signup':
      return <SignUpPage session={session} />;
    case '/profile':
      return <ProfilePage session={session} />;
    case '/pro':
      return <ProArea access={accessTo('pro', session)} onRetry={retry} />;
    case '/agent':
      return <AgentArea access={accessTo('agent', session)} onRetry={retry} />;
    default:
      return <NotFoundPage />;
  }
}
