import { useState } from 'react';
import { useT } from '../../../i18n';
import { navigate } from '../../../lib/router';
import { Notice } from '../../../ui/Notice';
import { signOut } from '../session';

/** Ends the session, then shows the signed-out home page. */
export function SignOutButton() {
  const t = useT();
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState(false);

  async function click() {
    setPending(true);
    setFailed(false);
    const error = await signOut();
    setPending(false);
    if (error) {
      setFailed(true);
      return;
    }
    navigate('/');
  }

  return (
    <>
      <button
        type="button"
        className="button button--small button--secondary"
        onClick={() => void click()}
        aria-busy={pending || undefined}
        disabled={pending}
      >
        {t('account.signOut.button')}
      </button>
      {failed ? <Notice tone="error">{t('account.signOut.failed')}</Notice> : null}
    </>
  );
}
