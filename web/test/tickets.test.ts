// The e-tickets kept on the device for offline boarding (src/features/bookings/tickets.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TicketList } from '../src/features/bookings/api/types';
import { parseStoredTickets, serializeTickets, ticketsKey } from '../src/features/bookings/tickets';

const LIST: TicketList = {
  pnr: 'W5GWPH',
  status: 'confirmed',
  tickets: [
    {
      id: 'T1',
      passengerName: 'Awa Ndong',
      passengerType: 'adult',
      lapInfant: false,
      seat: { coach: 7, seat: 14 },
      class: 'second',
      trip: { id: 1, trainNumber: 211, service: 'Express', serviceDate: '2026-12-01' },
      from: { code: 'OWE', name: 'Owendo', departure: '2026-12-01T12:30:00+01:00' },
      to: { code: 'NDJ', name: 'Ndjolé', arrival: '2026-12-01T16:00:00+01:00' },
      validUntil: '2026-12-02T04:00:00+01:00',
      qr: 'NCFOXN%TSMAHN',
    },
  ],
};

describe('tickets kept offline', () => {
  it('has one key per booking, whatever the case of the PNR', () => {
    assert.equal(ticketsKey('w5gwph'), 'setrag.tickets.W5GWPH');
  });

  it('reads back what it stored', () => {
    const text = serializeTickets(LIST, 1234);
    assert.deepEqual(parseStoredTickets(text, 'W5GWPH'), { savedAt: 1234, list: LIST });
  });

  it('ignores nothing, broken text, other shapes and another booking’s tickets', () => {
    assert.equal(parseStoredTickets(null, 'W5GWPH'), null);
    assert.equal(parseStoredTickets('{not json', 'W5GWPH'), null);
    assert.equal(parseStoredTickets(JSON.stringify({ savedAt: 1, list: { pnr: 'W5GWPH' } }), 'W5GWPH'), null);
    assert.equal(parseStoredTickets(JSON.stringify({ savedAt: 1, list: { ...LIST, tickets: [{ id: 'T1' }] } }), 'W5GWPH'), null);
    assert.equal(parseStoredTickets(serializeTickets(LIST, 1), 'ABCDEF'), null);
  });
});
