import { useLang, useT } from '../../../i18n';
import { formatDateTime, formatIsoDate } from '../../../lib/format';
import { QrCode } from '../../../ui/QrCode';
import type { Ticket } from '../api/types';
import { CLASS_NAMES, TYPE_NAMES, named } from './labels';

/** The tickets of a counter sale, one card per traveller with its QR code, laid out to be printed. */
export function SaleTickets({ tickets }: { tickets: readonly Ticket[] }) {
  return (
    <ul className="sale-tickets">
      {tickets.map((ticket) => (
        <li key={ticket.id}>
          <PrintedTicket ticket={ticket} />
        </li>
      ))}
    </ul>
  );
}

function PrintedTicket({ ticket }: { ticket: Ticket }) {
  const t = useT();
  const lang = useLang();
  const titleId = `sale-ticket-${ticket.id}`;
  return (
    <article className="sale-ticket" aria-labelledby={titleId}>
      <p className="sale-ticket__brand">{t('agent.sale.tickets.brand')}</p>
      <h3 id={titleId} className="sale-ticket__name">
        {ticket.passengerName}
      </h3>
      <p className="sale-ticket__seat">
        <strong>
          {ticket.seat ? t('agent.common.seatShort', { coach: ticket.seat.coach, seat: ticket.seat.seat }) : t('agent.common.lapInfant')}
        </strong>
      </p>
      <p>
        {named(TYPE_NAMES, ticket.passengerType, t)} · {named(CLASS_NAMES, ticket.class, t)} ·{' '}
        {t('agent.common.train', { number: ticket.trip.trainNumber })}
      </p>
      <p>
        {t('agent.common.route', { from: ticket.from.name, to: ticket.to.name })}
        <br />
        {ticket.from.departure
          ? t('agent.sale.tickets.departure', { when: formatDateTime(ticket.from.departure, lang) })
          : formatIsoDate(ticket.trip.serviceDate)}
      </p>
      <QrCode className="sale-ticket__qr" text={ticket.qr} label={t('agent.sale.tickets.qrLabel', { name: ticket.passengerName })} />
      <p className="sale-ticket__valid">
        {t('agent.sale.tickets.validUntil', { when: formatDateTime(ticket.validUntil, lang) })}
      </p>
      <p className="muted sale-ticket__id">{t('agent.sale.tickets.number', { id: ticket.id })}</p>
    </article>
  );
}
