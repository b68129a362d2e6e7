import { useT } from '../../../i18n';
import { AreaGate, type Access } from '../../../ui/AreaGate';
import { PageTitle } from '../../../ui/PageTitle';

interface Props {
  access: Access;
  onRetry: () => void;
}

/** `/pro`: the business customers' area (freight contracts, bulk shipments, invoices). */
export function ProArea({ access, onRetry }: Props) {
  const t = useT();
  return (
    <>
      <PageTitle>{t('pro.area.title')}</PageTitle>
      <AreaGate
        access={access}
        path="/pro"
        signedOutText={t('pro.area.signedOut')}
        notAllowedText={t('pro.area.notAllowed')}
        onRetry={onRetry}
      >
        <p>{t('pro.area.comingSoon')}</p>
      </AreaGate>
    </>
  );
}
