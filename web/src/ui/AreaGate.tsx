import type { ReactNode } from 'react';
import { useT } from '../i18n';
import { Notice } from './Notice';
import { SignInLink } from './SignInLink';

/** Whether the signed-in user may enter an area, as the shell decided from the user's roles. */
export type Access = 'checking' | 'unreachable' | 'signed-out' | 'denied' | 'allowed';

interface Props {
  access: Access;
  /** The area's path, to come back to after signing in. */
  path: string;
  signedOutText: string;
  notAllowedText: string;
  onRetry: () => void;
  children: ReactNode;
}

/** Shows an area's content only to users who may see it, and says clearly why otherwise. */
export function AreaGate({ access, path, signedOutText, notAllowedText, onRetry, children }: Props) {
  const t = useT();
  switch (access) {
    case 'allowed':
      return <>{children}</>;
    case 'checking':
      return <p role="status">{t('ui.status.loading')}</p>;
    case 'unreachable':
      return (
        <>
          <Notice tone="error">{t('ui.errors.network')}</Notice>
          <button type="button" className="button button--secondary" onClick={onRetry}>
            {t('ui.errors.retry')}
          </button>
        </>
      );
    case 'signed-out':
      return (
        <>
          <Notice tone="info">{signedOutText}</Notice>
          <SignInLink className="button" returnTo={path} />
        </>
      );
    case 'denied':
      return <Notice tone="error">{notAllowedText}</Notice>;
  }
}
