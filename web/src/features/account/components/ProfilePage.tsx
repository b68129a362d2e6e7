import { useT, type TKey } from '../../../i18n';
import { formatDate, formatPhone } from '../../../lib/format';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { SignInLink } from '../../../ui/SignInLink';
import { refreshSession, type Session } from '../session';

const ROLE_LABELS: Record<string, TKey> = {
  customer: 'account.roles.customer',
  b2b_member: 'account.roles.businessMember',
  b2b_admin: 'account.roles.businessAdmin',
  agent: 'account.roles.agent',
  conductor: 'account.roles.conductor',
  operator: 'account.roles.operator',
  admin: 'account.roles.admin',
};

export function ProfilePage({ session }: { session: Session }) {
  const t = useT();

  switch (session.status) {
    case 'checking':
      return (
        <>
          <PageTitle>{t('account.profile.title')}</PageTitle>
          <p role="status">{t('ui.status.loading')}</p>
        </>
      );
    case 'unreachable':
      return (
        <>
          <PageTitle>{t('account.profile.title')}</PageTitle>
          <Notice tone="error">{t('ui.errors.network')}</Notice>
          <button type="button" className="button button--secondary" onClick={() => void refreshSession()}>
            {t('ui.errors.retry')}
          </button>
        </>
      );
    case 'signed-out':
      return (
        <>
          <PageTitle>{t('account.profile.title')}</PageTitle>
          <p>{t('account.profile.signedOut')}</p>
          <SignInLink className="button" returnTo="/profile" />
        </>
      );
    case 'signed-in': {
      const { user } = session;
      const roles = user.roles.map((role) => {
        const key = ROLE_LABELS[role];
        return key ? t(key) : role;
      });
      const notProvided = <span className="muted">{t('account.profile.notProvided')}</span>;
      return (
        <>
          <PageTitle>{t('account.profile.title')}</PageTitle>
          <dl className="details">
            <div>
              <dt>{t('account.profile.displayName')}</dt>
              <dd>{user.displayName}</dd>
            </div>
            <div>
              <dt>{t('account.profile.email')}</dt>
              <dd>{user.email ?? notProvided}</dd>
            </div>
            <div>
              <dt>{t('account.profile.phone')}</dt>
              <dd>{user.phone ? formatPhone(user.phone) : notProvided}</dd>
            </div>
            <div>
              <dt>{t('account.profile.roles')}</dt>
              <dd>{roles.length > 0 ? roles.join(', ') : notProvided}</dd>
            </div>
            <div>
              <dt>{t('account.profile.createdAt')}</dt>
              <dd>
                <time dateTime={user.createdAt}>{formatDate(user.createdAt) || user.createdAt}</time>
              </dd>
            </div>
          </dl>
        </>
      );
    }
  }
}
