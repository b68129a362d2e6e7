import { useSyncExternalStore } from 'react';
import { useT } from '../i18n';

function subscribe(listener: () => void): () => void {
  window.addEventListener('online', listener);
  window.addEventListener('offline', listener);
  return () => {
    window.removeEventListener('online', listener);
    window.removeEventListener('offline', listener);
  };
}

function isOnline(): boolean {
  return navigator.onLine;
}

/** A banner while the browser reports no connection (the shell itself still works from the cache). */
export function OfflineNotice() {
  const t = useT();
  const online = useSyncExternalStore(subscribe, isOnline);
  if (online) return null;
  return (
    <p className="offline-notice" role="status">
      {t('ui.status.offline')}
    </p>
  );
}
