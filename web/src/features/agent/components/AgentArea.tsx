import { useT } from '../../../i18n';
import { AreaGate, type Access } from '../../../ui/AreaGate';
import { PageTitle } from '../../../ui/PageTitle';

interface Props {
  access: Access;
  onRetry: () => void;
}

/** `/agent`: the staff area (counter sales, parcel desk, ticket checks, operations). */
export function AgentArea({ access, onRetry }: Props) {
  const t = useT();
  return (
    <>
      <PageTitle>{t('agent.area.title')}</PageTitle>
      <AreaGate
        access={access}
        path="/agent"
        signedOutText={t('agent.area.signedOut')}
        notAllowedText={t('agent.area.notAllowed')}
        onRetry={onRetry}
      >
        <p>{t('agent.area.comingSoon')}</p>
      </AreaGate>
    </>
  );
}
