import { SignOutButton, type Session } from '../features/account';
import { useT } from '../i18n';
import { normalizePath } from '../lib/router';
import { Link } from '../ui/Link';
import { SignInLink } from '../ui/SignInLink';
import { LanguageSwitch } from './LanguageSwitch';
import { hasArea } from './roles';

interface Props {
  path: string;
  /** Path and query of the current page, to come back to after signing in. */
  here: string;
  session: Session;
}

function NavLink({ to, path, children }: { to: string; path: string; children: string }) {
  const current = normalizePath(path) === to;
  return (
    <li>
      <Link to={to} aria-current={current ? 'page' : undefined}>
        {children}
      </Link>
    </li>
  );
}

export function Header({ path, here, session }: Props) {
  const t = useT();
  const roles = session.status === 'signed-in' ? session.user.roles : [];
  return (
    <header className="site-header">
      <div className="site-header__top">
        <Link to="/" className="brand" aria-label={t('app.header.homeLink')}>
          <span className="brand__name">{t('app.header.brand')}</span>
          <span className="brand__tagline">{t('app.header.tagline')}</span>
        </Link>
        <LanguageSwitch />
      </div>
      <div className="site-header__bottom">
        <nav aria-label={t('app.header.navLabel')}>
          <ul className="nav">
            <NavLink to="/" path={path}>
              {t('app.nav.home')}
            </NavLink>
            <NavLink to="/trips" path={path}>
              {t('app.nav.trips')}
            </NavLink>
            <NavLink to="/live" path={path}>
              {t('app.nav.live')}
            </NavLink>
            {session.status === 'signed-in' ? (
              <NavLink to="/bookings" path={path}>
                {t('app.nav.bookings')}
              </NavLink>
            ) : null}
            {session.status === 'signed-in' ? (
              <NavLink to="/profile" path={path}>
                {t('app.nav.profile')}
              </NavLink>
            ) : (
              <NavLink to="/signup" path={path}>
                {t('app.nav.signup')}
              </NavLink>
            )}
            {hasArea(roles, 'pro') ? (
              <NavLink to="/pro" path={path}>
                {t('app.nav.pro')}
              </NavLink>
            ) : null}
            {hasArea(roles, 'agent') ? (
              <NavLink to="/agent" path={path}>
                {t('app.nav.agent')}
              </NavLink>
            ) : null}
          </ul>
        </nav>
        <div className="account" aria-label={t('app.header.accountLabel')} role="group">
          {session.status === 'signed-in' ? (
            <>
              <span className="account__name">
                {t('app.header.signedInAs', { name: session.user.displayName })}
              </span>
              <SignOutButton />
            </>
          ) : session.status === 'checking' ? null : (
            <SignInLink className="button button--small" returnTo={here} />
          )}
        </div>
      </div>
    </header>
  );
}
