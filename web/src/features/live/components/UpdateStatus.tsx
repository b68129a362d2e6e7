import { useLang, useT } from '../../../i18n';
import { formatTime } from '../../../lib/format';
import type { Snapshot } from '../../../lib/poller';

/**
 * How fresh the screen is, discreetly: "En direct" while the live socket brings the news as it happens, else the
 * time of the last update; when the last request failed, that the screen shows the last answer and will try
 * again (announced once, politely).
 */
export function UpdateStatus({ snapshot, onRefresh }: { snapshot: Snapshot<unknown>; onRefresh: () => void }) {
  const t = useT();
  const lang = useLang();
  if (snapshot.receivedAt === null) return null;
  const time = formatTime(snapshot.receivedAt, lang);
  return (
    <div className="live-update">
      {snapshot.error ? null : snapshot.live ? (
        <p className="live-update__time live-update__time--live">{t('live.common.live')}</p>
      ) : (
        <p className="live-update__time">{t('live.common.updatedAt', { time })}</p>
      )}
      <div role="status">
        {snapshot.error ? (
          <p className="live-update__failed">
            {t('live.common.lastUpdate', { time })}{' '}
            <button
              type="button"
              className="button--link"
              onClick={onRefresh}
              disabled={snapshot.loading}
              aria-busy={snapshot.loading || undefined}
            >
              {t('live.common.refresh')}
            </button>
          </p>
        ) : null}
      </div>
    </div>
  );
}
