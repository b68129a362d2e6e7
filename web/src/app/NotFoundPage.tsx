import { useT } from '../i18n';
import { Link } from '../ui/Link';
import { PageTitle } from '../ui/PageTitle';

export function NotFoundPage() {
  const t = useT();
  return (
    <>
      <PageTitle>{t('app.notFound.title')}</PageTitle>
      <p>{t('app.notFound.text')}</p>
      <p>
        <Link to="/">{t('app.notFound.homeLink')}</Link>
      </p>
    </>
  );
}
