import { useEffect, useRef } from 'react';
import { refreshSession, useSession } from '../features/account';
import { useT } from '../i18n';
import { usePath } from '../lib/router';
import { OfflineNotice } from '../ui/OfflineNotice';
import { PAGE_HEADING_ID } from '../ui/PageTitle';
import { Header } from './Header';
import { renderRoute } from './routes';

export function App() {
  const t = useT();
  const path = usePath();
  const session = useSession();
  const shownPath = useRef(path);

  useEffect(() => {
    void refreshSession();
  }, []);

  // After an in-app navigation, start at the top and let screen readers announce the new page.
  useEffect(() => {
    if (shownPath.current === path) return; // first render (twice in StrictMode): leave focus alone
    shownPath.current = path;
    window.scrollTo(0, 0);
    document.getElementById(PAGE_HEADING_ID)?.focus();
  }, [path]);

  const here = window.location.pathname + window.location.search;

  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.header.skipToContent')}
      </a>
      <Header path={path} here={here} session={session} />
      <OfflineNotice />
      <main id="main" tabIndex={-1}>
        {renderRoute(path, session)}
      </main>
      <footer className="site-footer">
        <p>{t('app.footer.text')}</p>
      </footer>
    </>
  );
}
