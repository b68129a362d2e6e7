import { useT } from '../../../i18n';
import { AreaGate, type Access } from '../../../ui/AreaGate';
import { Link } from '../../../ui/Link';
import { PageTitle } from '../../../ui/PageTitle';

interface Props {
  access: Access;
  /** Ticket checks need a conductor's or an agent's role (operators read manifests only). */
  canCheck: boolean;
  /** Counter sales need the agent's role (cash is taken at a counter). */
  canSell: boolean;
  /** The GPS devices of the trains are the operators' (`tracking.manage`). */
  canManageDevices: boolean;
  onRetry: () => void;
}

/** `/agent`: the staff area: ticket checks, trip manifests, counter sales. */
export function AgentArea({ access, canCheck, canSell, canManageDevices, onRetry }: Props) {
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
        <ul className="cards staff-cards">
          {canCheck ? (
            <li className="card">
              <h2>
                <Link to="/agent/check">{t('agent.area.check')}</Link>
              </h2>
              <p>{t('agent.area.checkText')}</p>
            </li>
          ) : null}
          <li className="card">
            <h2>
              <Link to="/agent/manifest">{t('agent.area.manifest')}</Link>
            </h2>
            <p>{t('agent.area.manifestText')}</p>
          </li>
          {canSell ? (
            <li className="card">
              <h2>
                <Link to="/agent/sale">{t('agent.area.sale')}</Link>
              </h2>
              <p>{t('agent.area.saleText')}</p>
            </li>
          ) : null}
          {canSell ? (
            <li className="card">
              <h2>
                <Link to="/agent/collect">{t('agent.area.collect')}</Link>
              </h2>
              <p>{t('agent.area.collectText')}</p>
            </li>
          ) : null}
          {canSell ? (
            <li className="card">
              <h2>
                <Link to="/agent/refund">{t('agent.area.refund')}</Link>
              </h2>
              <p>{t('agent.area.refundText')}</p>
            </li>
          ) : null}
          {canSell ? (
            <li className="card">
              <h2>
                <Link to="/agent/till">{t('agent.area.till')}</Link>
              </h2>
              <p>{t('agent.area.tillText')}</p>
            </li>
          ) : null}
          {canManageDevices ? (
            <li className="card">
              <h2>
                <Link to="/agent/devices">{t('agent.area.devices')}</Link>
              </h2>
              <p>{t('agent.area.devicesText')}</p>
            </li>
          ) : null}
        </ul>
        <p className="muted">{t('agent.area.comingSoon')}</p>
      </AreaGate>
    </>
  );
}
