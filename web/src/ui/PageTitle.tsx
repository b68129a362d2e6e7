import { useEffect } from 'react';
import { useT } from '../i18n';

export const PAGE_HEADING_ID = 'page-heading';

/**
 * The page's one `<h1>`, also used as the document title. The shell moves focus to it after an in-app
 * navigation so that screen readers announce the new page.
 */
export function PageTitle({ children }: { children: string }) {
  const t = useT();
  const brand = t('app.header.brand');
  useEffect(() => {
    document.title = `${children} · ${brand}`;
  }, [children, brand]);
  return (
    <h1 id={PAGE_HEADING_ID} tabIndex={-1}>
      {children}
    </h1>
  );
}
