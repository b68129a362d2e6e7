// The staff screens' other pure rules: a manifest by coach, the trains of a day, a counter sale's form.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManifestPassenger, TripOffer } from '../src/features/agent/api/types';
import { byCoach, manifestQuery, scannedCount, trainsOfDay } from '../src/features/agent/manifest';
import { checkSale, emptySaleForm, saleErrorsFromServer, saleRequest, toggleSaleSeat } from '../src/features/agent/sale';
import { tripIdFromQuery } from '../src/features/agent/components/CheckPage';

function passenger(name: string, seat: { coach: number; seat: number } | null, scanned = false): ManifestPassenger {
  return {
    seat,
    name,
    idNumber: seat ? 'GA1234' : null,
    passengerType: seat ? 'adult' : 'infant',
    lapInfant: seat === null,
    from: { code: 'OWE', name: 'Owendo' },
    to: { code: 'FCV', name: 'Franceville' },
    pnr: 'ABCDEF',
    ticketId: null,
    scanned,
    firstScannedAt: scanned ? '2026-11-24T12:40:00+01:00' : null,
  };
}

function trip(id: number, departure: string): TripOffer {
  return { id, trainNumber: id, service: 'express', serviceDate: departure.slice(0, 10), departure, arrival: departure, durationMinutes: 60, classes: [] };
}

describe('a manifest', () => {
  it('groups passengers by coach in the server’s order, a baby on a lap with its adult', () => {
    const groups = byCoach([
      passenger('A', { coach: 3, seat: 1 }, true),
      passenger('Baby', null),
      passenger('B', { coach: 3, seat: 2 }),
      passenger('C', { coach: 4, seat: 1 }, true),
    ]);
    assert.deepEqual(
      groups.map((g) => [g.coach, g.passengers.map((p) => p.name)]),
      [
        [3, ['A', 'Baby', 'B']],
        [4, ['C']],
      ],
    );
    assert.equal(scannedCount(groups.flatMap((g) => g.passengers)), 2);
  });

  it('lists the trains of a day in both directions by departure, each once', () => {
    const owe = { code: 'OWE', name: 'Owendo' };
    const fcv = { code: 'FCV', name: 'Franceville' };
    const trains = trainsOfDay([
      { from: owe, to: fcv, trips: [trip(733, '2026-11-22T20:00:00+01:00')] },
      { from: fcv, to: owe, trips: [trip(714, '2026-11-22T08:00:00+01:00'), trip(733, '2026-11-22T20:00:00+01:00')] },
    ]);
    assert.deepEqual(trains.map((t) => [t.trip.id, t.from.code]), [
      [714, 'FCV'],
      [733, 'OWE'],
    ]);
  });

  it('reads its date and trip from the URL, ignoring anything else', () => {
    assert.deepEqual(manifestQuery('?date=2026-11-24&tripId=3'), { date: '2026-11-24', tripId: 3 });
    assert.deepEqual(manifestQuery('?date=24/11&tripId=0'), { date: null, tripId: null });
    assert.equal(tripIdFromQuery('?tripId=12'), 12);
    assert.equal(tripIdFromQuery('?tripId=x'), null);
  });
});

describe('a counter sale', () => {
  it('starts with the party searched: adults, then children', () => {
    assert.deepEqual(emptySaleForm(2, 1).travellers.map((t) => t.type), ['adult', 'adult', 'child']);
  });

  it('checks booking’s rules before sending', () => {
    const form = emptySaleForm(1, 1);
    form.travellers[0] = { type: 'adult', name: 'Jean Obiang', idNumber: 'ga-1002' };
    form.travellers[1] = { type: 'child', name: ' ', idNumber: 'G 1' };
    form.phone = '012 34';
    assert.deepEqual(checkSale(form), {
      'travellers.1.name': 'required',
      'travellers.1.idNumber': 'invalid',
      phone: 'invalid',
    });
    form.travellers[1] = { type: 'child', name: 'Léa Obiang', idNumber: 'GA1003' };
    form.phone = '066 12 34 56';
    assert.deepEqual(checkSale(form), {});
  });

  it('sends seats for everyone or for no one, the phone in E.164, ID numbers in capitals', () => {
    const form = emptySaleForm(2, 0);
    form.travellers = [
      { type: 'adult', name: ' Jean Obiang ', idNumber: 'ga-1002' },
      { type: 'adult', name: 'Marie Obiang', idNumber: 'GA1003' },
    ];
    form.phone = '066 12 34 56';
    const trip = { tripId: 3, from: 'OWE', to: 'FCV', travelClass: 'second' as const };
    const auto = saleRequest(trip, form, []);
    assert.equal(auto.contactPhone, '+24166123456');
    assert.deepEqual(auto.passengers[0], { type: 'adult', name: 'Jean Obiang', idNumber: 'GA-1002' });
    const chosen = saleRequest(trip, form, [
      { coach: 7, seat: 14 },
      { coach: 7, seat: 15 },
    ]);
    assert.deepEqual(chosen.passengers.map((p) => p.seat), [
      { coach: 7, seat: 14 },
      { coach: 7, seat: 15 },
    ]);
  });

  it('puts booking’s field errors next to the form’s fields', () => {
    const errors = saleErrorsFromServer({
      kind: 'problem',
      status: 422,
      problem: {
        type: 'https://setrag.ga/problems/validation',
        title: 'Invalid',
        status: 422,
        errors: [
          { field: 'passengers.1.idNumber', code: 'invalid' },
          { field: 'contactPhone', code: 'invalid-phone' },
          { field: 'passengers.0.name', code: 'too-long' },
        ],
      },
    });
    assert.deepEqual(errors, { 'travellers.1.idNumber': 'invalid', phone: 'invalid', 'travellers.0.name': 'too-long' });
    assert.deepEqual(saleErrorsFromServer({ kind: 'network' }), {});
  });

  it('takes one seat per traveller, gives a seat back when tapped again', () => {
    let chosen = toggleSaleSeat([], { coach: 7, seat: 1 }, 2);
    chosen = toggleSaleSeat(chosen, { coach: 7, seat: 2 }, 2);
    assert.equal(toggleSaleSeat(chosen, { coach: 7, seat: 3 }, 2).length, 2);
    assert.deepEqual(toggleSaleSeat(chosen, { coach: 7, seat: 1 }, 2), [{ coach: 7, seat: 2 }]);
    assert.deepEqual(toggleSaleSeat([{ coach: 7, seat: 1 }], { coach: 8, seat: 4 }, 1), [{ coach: 8, seat: 4 }]);
  });
});
