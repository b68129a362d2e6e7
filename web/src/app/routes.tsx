// The app's routes: one path, one page. Unknown paths get a "not found" page.
import type { ReactElement } from 'react';
import { ProfilePage, SignUpPage, refreshSession, type Session } from '../features/account';
import { AgentArea, CheckPage, CollectPage, ManifestPage, RefundPage, SalePage, TillPage } from '../features/agent';
import { BookingPage, BookingsPage } from '../features/bookings';
import { HomePage } from '../features/home';
import { DevicesPage, LivePage, TrainPage } from '../features/live';
import { ProArea } from '../features/pro';
import { BookPage, SeatMapPage, TripSearchPanel, TripsPage } from '../features/trips';
import { normalizePath } from '../lib/router';
import { accessTo, hasArea, staffWithoutArea } from './roles';
import { NotFoundPage } from './NotFoundPage';

const retry = () => void refreshSession();

/** `/trips/42/seats`, `/trips/42/book`: a page of one trip. */
const TRIP_PAGE = /^\/trips\/([1-9]\d{0,9})\/(seats|book)$/;

/** `/trains/123`: a train run's live page, by its id (the id of its dated trip). */
const TRAIN_PAGE = /^\/trains\/([1-9]\d{0,9})$/;

/** `/bookings/W5GWPH`: a booking, by its reference (PNR), whatever the case it is typed in. */
const BOOKING_PAGE = /^\/bookings\/([A-Za-z0-9]{6})$/;

export function renderRoute(path: string, session: Session): ReactElement {
  const normalized = normalizePath(path);
  const tripPage = TRIP_PAGE.exec(normalized);
  if (tripPage) {
    const tripId = Number(tripPage[1]);
    if (tripPage[2] === 'seats') return <SeatMapPage tripId={tripId} />;
    const account = {
      status: session.status,
      phone: session.status === 'signed-in' ? session.user.phone : null,
    };
    return <BookPage tripId={tripId} account={account} />;
  }
  const trainPage = TRAIN_PAGE.exec(normalized);
  if (trainPage) {
    const runId = Number(trainPage[1]);
    return <TrainPage key={runId} runId={runId} />;
  }
  const bookingPage = BOOKING_PAGE.exec(normalized);
  if (bookingPage) {
    const pnr = bookingPage[1].toUpperCase();
    return <BookingPage key={pnr} pnr={pnr} />;
  }
  switch (normalized) {
    case '/':
      return (
        <HomePage
          displayName={session.status === 'signed-in' ? session.user.displayName : null}
          search={<TripSearchPanel />}
        />
      );
    case '/trips':
      return <TripsPage />;
    case '/bookings':
      return <BookingsPage />;
    case '/live':
      return <LivePage />;
    case '/signup':
      return <SignUpPage session={session} />;
    case '/profile':
      return <ProfilePage session={session} />;
    case '/pro':
      return <ProArea access={accessTo('pro', session)} onRetry={retry} />;
    case '/agent':
      return (
        <AgentArea
          access={accessTo('agent', session)}
          canCheck={session.status === 'signed-in' && hasArea(session.user.roles, 'check')}
          canSell={session.status === 'signed-in' && hasArea(session.user.roles, 'counter')}
          canManageDevices={session.status === 'signed-in' && hasArea(session.user.roles, 'tracking')}
          onRetry={retry}
        />
      );
    case '/agent/check':
      return (
        <CheckPage
          access={accessTo('check', session)}
          notForRole={session.status === 'signed-in' && staffWithoutArea(session.user.roles, 'check')}
          onRetry={retry}
        />
      );
    case '/agent/manifest':
      return (
        <ManifestPage
          access={accessTo('agent', session)}
          canCheck={session.status === 'signed-in' && hasArea(session.user.roles, 'check')}
          onRetry={retry}
        />
      );
    case '/agent/sale':
      return <SalePage access={accessTo('counter', session)} onRetry={retry} />;
    case '/agent/collect':
      return <CollectPage access={accessTo('counter', session)} onRetry={retry} />;
    case '/agent/refund':
      return <RefundPage access={accessTo('counter', session)} onRetry={retry} />;
    case '/agent/till':
      return <TillPage access={accessTo('counter', session)} onRetry={retry} />;
    case '/agent/devices':
      return <DevicesPage access={accessTo('tracking', session)} onRetry={retry} />;
    default:
      return <NotFoundPage />;
  }
}
