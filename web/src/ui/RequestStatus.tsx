import { useT, type TKey } from '../i18n';
import type { RequestError, RequestState } from '../lib/useRequest';
import { Notice } from './Notice';

interface Props {
  state: RequestState<unknown>;
  /** What is being loaded, shown while waiting: "Recherche des trains…". */
  loadingText: string;
  onRetry: () => void;
}

function errorMessage(error: RequestError): TKey {
  switch (error.kind) {
    case 'network':
      return 'ui.errors.network';
    case 'timeout':
      return 'ui.errors.timeout';
    case 'problem':
      return error.status === 429 ? 'ui.errors.tooManyRequests' : 'ui.errors.unexpected';
    case 'unexpected':
      return 'ui.errors.unexpected';
  }
}

/**
 * The waiting and failure states of a request, for slow connections: what is loading, a word and a retry
 * button when it is slow, and on failure what went wrong with a retry button. Nothing once answered.
 * Screens handle the problems they understand (a 404, field errors) before passing the state here.
 */
export function RequestStatus({ state, loadingText, onRetry }: Props) {
  const t = useT();
  const retry = (
    <button type="button" className="button button--secondary" onClick={onRetry}>
      {t('ui.errors.retry')}
    </button>
  );
  if (state.status === 'loading') {
    return (
      <div className="request-status">
        <p role="status" className="request-status__loading">
          <span className="request-status__spinner" aria-hidden="true" />
          {loadingText}
          {state.slow ? ` ${t('ui.status.slow')}` : ''}
        </p>
        {state.slow ? retry : null}
      </div>
    );
  }
  if (state.status === 'failed') {
    return (
      <div className="request-status">
        <Notice tone="error">{t(errorMessage(state.error))}</Notice>
        {retry}
      </div>
    );
  }
  return null;
}
