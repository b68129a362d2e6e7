import { useEffect, useMemo, useRef, useState } from 'react';
import { useT } from '../../../i18n';
import { todayInLibreville } from '../../../lib/format';
import { navigate, useSearch } from '../../../lib/router';
import { useRequest } from '../../../lib/useRequest';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { RequestStatus } from '../../../ui/RequestStatus';
import { getOffers } from '../api/getOffers';
import { searchTrips } from '../api/searchTrips';
import { pricesByTrip } from '../fares';
import { isSearchable, searchErrors, searchFromQuery, searchToQuery, tripsPath, type TripSearch } from '../search';
import { TripResults } from './TripResults';
import { TripSearchForm } from './TripSearchForm';

/** `/trips?from=OWE&to=FCV&date=2026-12-01&passengers=2`: the search form and, once searched, the trains. */
export function TripsPage() {
  const t = useT();
  const query = useSearch();
  const today = todayInLibreville();
  const search = useMemo(() => searchFromQuery(query, today), [query, today]);
  const key = isSearchable(search) ? searchToQuery(search) : null;
  const state = useRequest(key, (signal) => searchTrips(search, signal));
  // The fares come from booking, beside inventory's answer: the trains show without them if booking is slow.
  const offers = useRequest(key, (signal) => getOffers(search, signal));
  const offered = offers.status === 'done' ? offers.data : null;
  const prices = useMemo(() => (offered ? pricesByTrip(offered) : undefined), [offered]);
  const failure = state.status === 'failed' ? state.error : null;
  const problems = useMemo(() => (failure ? searchErrors(failure) : null), [failure]);
  // On a phone the form would push the trains below the fold: once answered, it folds behind a button,
  // and the focus goes to the answer (the form it was in is gone).
  const [editing, setEditing] = useState(false);
  const searched = useRef(false);
  useEffect(() => {
    if (state.status !== 'done') return;
    setEditing(false);
    if (searched.current) document.getElementById('trip-results-title')?.focus();
    searched.current = false;
  }, [state.status, key]);
  const fieldErrors = problems && Object.keys(problems.fields).length > 0 ? problems.fields : undefined;
  const folded = key !== null && !fieldErrors && !editing;

  const retry = () => {
    searched.current = true; // the retry button goes away with the answer: the focus goes to the answer
    state.retry();
    if (offers.status === 'failed') offers.retry();
  };

  function onSearch(next: TripSearch) {
    searched.current = true;
    if (searchToQuery(next) === key) retry();
    else navigate(tripsPath(next));
  }

  let results = null;
  if (key !== null) {
    if (state.status === 'done') {
      results = <TripResults result={state.data} prices={prices} pricesFailed={offers.status === 'failed'} />;
    }
    else if (problems?.form === 'invalid') {
      results = <Notice tone="error">{t('trips.search.errors.form.invalid')}</Notice>;
    } else if (state.status === 'loading' || problems?.form) {
      results = <RequestStatus state={state} loadingText={t('trips.results.loading')} onRetry={retry} />;
    }
  }

  return (
    <>
      <PageTitle>{t('trips.search.title')}</PageTitle>
      {folded ? (
        <p className="trip-search-toggle">
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => setEditing(true)}
          >
            {t('trips.search.change')}
          </button>
        </p>
      ) : (
        <TripSearchForm search={search} errors={fieldErrors} focusOnMount={editing} onSearch={onSearch} />
      )}
      {results ? <div className="trip-results">{results}</div> : null}
    </>
  );
}

/** The search form alone, for the home page: searching opens `/trips` with the search in its URL. */
export function TripSearchPanel() {
  const t = useT();
  return (
    <section className="trip-search-panel" aria-labelledby="trip-search-panel-title">
      <h2 id="trip-search-panel-title">{t('trips.search.homeTitle')}</h2>
      <TripSearchForm search={null} onSearch={(search) => navigate(tripsPath(search))} />
    </section>
  );
}
