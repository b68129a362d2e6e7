import type { ReactNode } from 'react';
import { useT } from '../../../i18n';
import { Link } from '../../../ui/Link';
import { PageTitle } from '../../../ui/PageTitle';
import { SignInLink } from '../../../ui/SignInLink';

interface Props {
  /** The signed-in user's name, or null when nobody is signed in. */
  displayName: string | null;
  /** The trip search, given by the shell (a feature does not import another). */
  search?: ReactNode;
}

export function HomePage({ displayName, search }: Props) {
  const t = useT();
  return (
    <>
      <PageTitle>{t('home.welcome.title')}</PageTitle>
      {displayName ? <p className="lead">{t('home.welcome.greeting', { name: displayName })}</p> : null}
      <p className="lead">{t('home.welcome.intro')}</p>
      {search}

      <ul className="cards" aria-label={t('home.welcome.servicesLabel')}>
        <li className="card">
          <h2>{t('home.welcome.ticketsTitle')}</h2>
          <p>{t('home.welcome.ticketsText')}</p>
        </li>
        <li className="card">
          <h2>{t('home.welcome.parcelsTitle')}</h2>
          <p>{t('home.welcome.parcelsText')}</p>
        </li>
        <li className="card">
          <h2>{t('home.welcome.liveTitle')}</h2>
          <p>{t('home.welcome.liveText')}</p>
        </li>
      </ul>

      {displayName ? (
        <p className="actions">
          <Link className="button" to="/profile">
            {t('home.welcome.profileLink')}
          </Link>
        </p>
      ) : (
        <>
          <p>{t('home.welcome.signupText')}</p>
          <p className="actions">
            <Link className="button" to="/signup">
              {t('home.welcome.signupLink')}
            </Link>
            <SignInLink className="button button--secondary" returnTo="/profile" />
          </p>
        </>
      )}

      <h2>{t('home.welcome.areasTitle')}</h2>
      <ul className="link-list">
        <li>
          <Link to="/pro">{t('home.welcome.proLink')}</Link>
        </li>
        <li>
          <Link to="/agent">{t('home.welcome.agentLink')}</Link>
        </li>
      </ul>
    </>
  );
}
