import { useT } from '../i18n';
import { signInHref } from '../lib/auth';

interface Props {
  /** Where the browser lands after signing in. */
  returnTo: string;
  className?: string;
}

/** A full-page navigation to the gateway's server-rendered sign-in form. */
export function SignInLink({ returnTo, className }: Props) {
  const t = useT();
  return (
    <a className={className} href={signInHref(returnTo)}>
      {t('ui.auth.signIn')}
    </a>
  );
}
