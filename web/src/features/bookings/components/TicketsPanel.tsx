import { useCallback, useEffect, useState } from 'react';
import { useLang, useT } from '../../../i18n';
import { formatDate, formatDayDate, formatTime, localIsoDate } from '../../../lib/format';
import { Notice } from '../../../ui/Notice';
import { QrCode } from '../../../ui/QrCode';
import { getTickets } from '../api/getTickets';
import type { Ticket, TicketList } from '../api/types';
import { loadTickets, saveTickets } from '../tickets';
import { CLASS_NAMES, PASSENGER_TYPES, named } from './labels';

type State =
  | { kind: 'loading' }
  | { kind: 'shown'; list: TicketList; offline: boolean }
  | { kind: 'failed' };

/**
 * A confirmed booking's e-tickets, one card per traveller with its QR code. Fetched each time the page opens and
 * kept in localStorage; without network the stored tickets show (`initial` when the booking itself could not be
 * loaded).
 */
export function TicketsPanel({ pnr, initial }: { pnr: string; initial?: TicketList }) {
  const t = useT();
  const [state, setState] = useState<State>(
    initial ? { kind: 'shown', list: initial, offline: true } : { kind: 'loading' },
  );

  const load = useCallback(
    async (signal?: AbortSignal) => {
      const result = await getTickets(pnr, signal);
      if (signal?.aborted) return;
      if (result.ok) {
        saveTickets(result.data);
        setState({ kind: 'shown', list: result.data, offline: false });
        return;
      }
      const stored = loadTickets(pnr);
      const unreachable =
        result.error.kind === 'network' ||
        (result.error.kind === 'unexpected' && (result.error.status === 0 || result.error.status >= 500)) ||
        (result.error.kind === 'problem' && result.error.status >= 500);
      if (stored && unreachable) setState({ kind: 'shown', list: stored.list, offline: true });
      else setState((current) => (current.kind === 'shown' ? current : { kind: 'failed' }));
    },
    [pnr],
  );

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  return (
    <section aria-labelledby="tickets-title" className="booking-section tickets">
      <h2 id="tickets-title">{t('bookings.tickets.title')}</h2>
      {state.kind === 'loading' ? <p className="muted">{t('bookings.tickets.loading')}</p> : null}
      {state.kind === 'failed' ? (
        <>
          <Notice tone="error">{t('bookings.tickets.unavailable')}</Notice>
          <button type="button" className="button button--secondary" onClick={() => void load()}>
            {t('bookings.tickets.retry')}
          </button>
        </>
      ) : null}
      {state.kind === 'shown' ? (
        <>
          {state.offline ? <Notice tone="info">{t('bookings.tickets.offline')}</Notice> : null}
          <p className="tickets__brightness">{t('bookings.tickets.brightness')}</p>
          <ul className="tickets__list">
            {state.list.tickets.map((ticket) => (
              <li key={ticket.id}>
                <TicketCard ticket={ticket} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function TicketCard({ ticket }: { ticket: Ticket }) {
  const t = useT();
  const lang = useLang();
  const titleId = `ticket-${ticket.id}`;
  const departure = ticket.from.departure ?? null;
  const arrival = ticket.to.arrival ?? null;
  return (
    <article className="ticket" aria-labelledby={titleId} data-ticket-id={ticket.id}>
      <h3 id={titleId} className="ticket__name">
        {ticket.passengerName}
      </h3>
      <p className="ticket__seat">
        {ticket.lapInfant || !ticket.seat ? (
          <span className="ticket__lap">{t('bookings.tickets.lapInfant')}</span>
        ) : (
          <strong>{t('bookings.tickets.seat', { coach: ticket.seat.coach, seat: ticket.seat.seat })}</strong>
        )}
      </p>
      <p>
        {ticket.lapInfant ? null : `${named(PASSENGER_TYPES, ticket.passengerType, t)} · `}
        {named(CLASS_NAMES, ticket.class, t)} ·{' '}
        {t('bookings.common.train', { number: ticket.trip.trainNumber })}
      </p>
      <QrCode className="ticket__qr" text={ticket.qr} label={t('bookings.tickets.qrLabel', { name: ticket.passengerName })} />
      <dl className="ticket__journey">
        <dt>{t('bookings.tickets.departure', { station: ticket.from.name })}</dt>
        <dd>
          {departure ? (
            <time dateTime={departure}>
              {formatDayDate(localIsoDate(departure), lang)}, {formatTime(departure, lang)}
            </time>
          ) : (
            ticket.trip.serviceDate
          )}
        </dd>
        <dt>{t('bookings.tickets.arrival', { station: ticket.to.name })}</dt>
        <dd>
          {arrival ? (
            <time dateTime={arrival}>
              {formatDayDate(localIsoDate(arrival), lang)}, {formatTime(arrival, lang)}
            </time>
          ) : null}
        </dd>
      </dl>
      <p className="ticket__valid">
        {t('bookings.tickets.validUntil', { date: formatDate(ticket.validUntil), time: formatTime(ticket.validUntil, lang) })}
      </p>
      <p className="muted ticket__id">{t('bookings.tickets.ticketNumber', { id: ticket.id })}</p>
    </article>
  );
}
