import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Coach, SeatMap, Station } from '../src/features/trips/api/types';
import {
  checkChoice,
  choiceFromQuery,
  bookPath,
  coachRows,
  formatSeatList,
  initialChoice,
  isChoosable,
  parseSeatList,
  seatAfterMove,
  seatMapPath,
  toggleSeat,
  type SeatChoice,
} from '../src/features/trips/seats';
import {
  draftFromSearch,
  isSearchable,
  parseDateInput,
  searchErrors,
  searchFromQuery,
  searchToQuery,
  swapStations,
  tripsPath,
  validateDraft,
} from '../src/features/trips/search';
import { foldKey, matchStations, resolveStation, stationLabel } from '../src/features/trips/stations';
import { isSingular } from '../src/i18n/lang';

const station = (code: string, name: string, km: number): Station => ({
  code,
  name,
  km,
  lat: 0,
  lon: 0,
  type: 'gare',
  coordQuality: 'town',
});

// A part of the line, in line order, with its awkward names.
const STATIONS: Station[] = [
  station('OWE', 'Owendo', 0),
  station('NTO', 'Ntoum', 35),
  station('MBE', "M'Bel", 85),
  station('NDJ', 'Ndjolé', 182),
  station('ALE', 'Alembé', 202),
  station('LOP', 'La Lopé', 290),
  station('BOO', 'Booué', 338),
  station('MBA', 'Mboungou-Mbadouma', 584),
  station('FCV', 'Franceville', 669),
];

const names = (list: Station[]) => list.map((s) => s.name);
const TODAY = '2026-11-22'; // a Sunday

describe('finding a station as the traveller types', () => {
  it('folds case, accents and punctuation like the server', () => {
    assert.equal(foldKey('Ndjolé'), 'ndjole');
    assert.equal(foldKey("M'Bel"), 'mbel');
    assert.equal(foldKey('  La Lopé '), 'lalope');
    assert.equal(foldKey('BOOUÉ'), 'booue');
  });

  it('finds a name without its accents, whatever the case', () => {
    assert.deepEqual(names(matchStations('ndjole', STATIONS)), ['Ndjolé']);
    assert.deepEqual(names(matchStations('NDJOLE', STATIONS)), ['Ndjolé']);
    assert.deepEqual(names(matchStations('booue', STATIONS)), ['Booué']);
    assert.deepEqual(names(matchStations('alembe', STATIONS)), ['Alembé']);
  });

  it('finds a station by its code', () => {
    assert.deepEqual(names(matchStations('fcv', STATIONS)), ['Franceville']);
    assert.deepEqual(names(matchStations('OWE', STATIONS)), ['Owendo']);
  });

  it('finds a word inside a name: "lope" is La Lopé, "mbad" is Mboungou-Mbadouma', () => {
    assert.deepEqual(names(matchStations('lope', STATIONS)), ['La Lopé']);
    assert.deepEqual(names(matchStations('mbad', STATIONS)), ['Mboungou-Mbadouma']);
    assert.deepEqual(names(matchStations("m'bel", STATIONS)), ["M'Bel"]);
  });

  it('puts names that start with the text first, then the rest in line order', () => {
    // "mb": the names starting with it in line order, then Alembé, which only contains it.
    assert.deepEqual(names(matchStations('mb', STATIONS)), ["M'Bel", 'Mboungou-Mbadouma', 'Alembé']);
    assert.equal(names(matchStations('o', STATIONS))[0], 'Owendo');
    assert.deepEqual(names(matchStations('n', STATIONS)), [
      'Ntoum',
      'Ndjolé',
      'Owendo',
      'Mboungou-Mbadouma',
      'Franceville',
    ]);
  });

  it('lists every station in line order for an empty text, and can stop at a limit', () => {
    assert.deepEqual(names(matchStations('  ', STATIONS)), names(STATIONS));
    assert.equal(matchStations('', STATIONS, 3).length, 3);
    assert.deepEqual(matchStations('zzz', STATIONS), []);
  });

  it('resolves only an exact code or name, as the server does', () => {
    assert.equal(resolveStation('owe', STATIONS)?.code, 'OWE');
    assert.equal(resolveStation(' ndjole ', STATIONS)?.code, 'NDJ');
    assert.equal(resolveStation('LA LOPE', STATIONS)?.code, 'LOP');
    assert.equal(resolveStation('Owen', STATIONS), null);
    assert.equal(resolveStation('', STATIONS), null);
    assert.equal(stationLabel('FCV', STATIONS), 'Franceville');
    assert.equal(stationLabel('Ailleurs', STATIONS), 'Ailleurs');
    assert.equal(stationLabel('FCV', null), 'FCV');
  });
});

describe('the search in the URL', () => {
  it('reads a shared link, and writes the same one back', () => {
    const query = '?from=OWE&to=FCV&date=2026-12-01&passengers=2';
    const search = searchFromQuery(query, TODAY);
    assert.deepEqual(search, { from: 'OWE', to: 'FCV', date: '2026-12-01', passengers: 2 });
    assert.equal(searchToQuery(search), query.slice(1));
    assert.equal(tripsPath(search), `/trips${query}`);
    assert.ok(isSearchable(search));
  });

  it('defaults to today and one traveller, and keeps what it cannot check for the server', () => {
    assert.deepEqual(searchFromQuery('', TODAY), { from: '', to: '', date: TODAY, passengers: 1 });
    assert.deepEqual(searchFromQuery('from=owendo&to=Ndjol%C3%A9&date=2026-13-01&passengers=12', TODAY), {
      from: 'owendo',
      to: 'Ndjolé',
      date: '2026-13-01',
      passengers: 1,
    });
    assert.ok(!isSearchable(searchFromQuery('from=OWE', TODAY)));
  });

  it('encodes names safely in the URL', () => {
    const search = { from: "M'Bel", to: 'La Lopé', date: '2026-12-01', passengers: 1 };
    assert.equal(searchToQuery(search), "from=M'Bel&to=La%20Lop%C3%A9&date=2026-12-01&passengers=1");
    assert.deepEqual(searchFromQuery(searchToQuery(search), TODAY), search);
  });

  it('fills the form with station names and a dd/mm/yyyy date', () => {
    const search = { from: 'OWE', to: 'FCV', date: '2026-12-01', passengers: 3 };
    assert.deepEqual(draftFromSearch(search, STATIONS), {
      from: 'Owendo',
      to: 'Franceville',
      date: '01/12/2026',
      passengers: 3,
    });
    assert.deepEqual(draftFromSearch(search, null).from, 'OWE');
    assert.deepEqual(swapStations(search), { ...search, from: 'FCV', to: 'OWE' });
  });
});

describe('dates as typed', () => {
  it('reads day/month/year with any usual separator', () => {
    for (const text of ['24/11/2026', '24.11.2026', '24-11-2026', '24 11 2026', '24112026', '24/11/26', ' 2026-11-24 ']) {
      assert.equal(parseDateInput(text, TODAY), '2026-11-24', text);
    }
    assert.equal(parseDateInput('1/12/2026', TODAY), '2026-12-01');
  });

  it('takes the next such day when the year is left out', () => {
    assert.equal(parseDateInput('24/11', TODAY), '2026-11-24');
    assert.equal(parseDateInput('22/11', TODAY), '2026-11-22');
    assert.equal(parseDateInput('05/01', TODAY), '2027-01-05');
  });

  it('refuses dates that do not exist', () => {
    for (const text of ['31/11/2026', '29/02/2027', '00/01/2027', '12/13/2026', 'demain', '24/11/202', '']) {
      assert.equal(parseDateInput(text, TODAY), null, text);
    }
    assert.equal(parseDateInput('29/02/2028', TODAY), '2028-02-29');
  });
});

describe('checking the form', () => {
  const draft = { from: 'owendo', to: 'FCV', date: '24/11/2026', passengers: 2 };

  it('sends codes for the stations it knows and an ISO date', () => {
    assert.deepEqual(validateDraft(draft, STATIONS, TODAY), {
      errors: {},
      search: { from: 'OWE', to: 'FCV', date: '2026-11-24', passengers: 2 },
    });
  });

  it('without the station list, sends the text and lets the server decide', () => {
    assert.deepEqual(validateDraft({ ...draft, from: ' Owendo ' }, null, TODAY).search?.from, 'Owendo');
  });

  it('explains every mistake at once', () => {
    assert.deepEqual(validateDraft({ from: '', to: 'Nowhere', date: '31/11/2026', passengers: 0 }, STATIONS, TODAY), {
      errors: { from: 'required', to: 'unknown-station', date: 'invalid-date', passengers: 'out-of-range' },
    });
    assert.deepEqual(validateDraft({ ...draft, to: 'Owendo' }, STATIONS, TODAY).errors, { to: 'same-station' });
    assert.deepEqual(validateDraft({ ...draft, to: 'OWENDO' }, null, TODAY).errors, { to: 'same-station' });
    assert.deepEqual(validateDraft({ ...draft, date: '21/11/2026' }, STATIONS, TODAY).errors, { date: 'past-date' });
    assert.deepEqual(validateDraft({ ...draft, date: ' ' }, STATIONS, TODAY).errors, { date: 'required' });
  });
});

describe("the server's answer to a bad search", () => {
  const problem = (errors: Array<{ field: string; code: string }>) => ({
    kind: 'problem' as const,
    status: 422,
    problem: { type: 'https://setrag.ga/problems/validation', title: 'invalid', status: 422, errors },
  });

  it('puts each error next to its field, the first one of a field winning', () => {
    assert.deepEqual(
      searchErrors(
        problem([
          { field: 'from', code: 'unknown-station' },
          { field: 'to', code: 'same-station' },
          { field: 'date', code: 'past-date' },
          { field: 'date', code: 'invalid-date' },
          { field: 'passengers', code: 'something-new' },
        ]),
      ),
      { fields: { from: 'unknown-station', to: 'same-station', date: 'past-date', passengers: 'invalid' } },
    );
  });

  it('speaks about the whole search when no field can hold the error', () => {
    assert.deepEqual(searchErrors(problem([{ field: 'class', code: 'required' }])), { fields: {}, form: 'invalid' });
    assert.deepEqual(searchErrors({ kind: 'network' }), { fields: {}, form: 'network' });
    assert.deepEqual(searchErrors({ kind: 'timeout' }), { fields: {}, form: 'timeout' });
    assert.deepEqual(searchErrors({ kind: 'unexpected', status: 502 }), { fields: {}, form: 'unexpected' });
  });
});

// --- Seat maps ---

function seatCoach(number: number, layout: string, rows: number, travelClass: Coach['class'], taken: number[] = []): Coach {
  const groups = layout.split('+').map(Number);
  const across = groups.reduce((a, b) => a + b, 0);
  const seats = [];
  for (let row = 1; row <= rows; row += 1) {
    for (let column = 1; column <= across; column += 1) {
      const n = (row - 1) * across + column;
      const position = column === 1 || column === across ? 'window' : groups.includes(column) || column === groups[0] + 1 ? 'aisle' : 'middle';
      seats.push({ number: n, row, column, position: position as 'window' | 'aisle' | 'middle', free: !taken.includes(n) });
    }
  }
  return { number, type: 'X', name: 'X', kind: 'seats', class: travelClass, airConditioned: true, layout, seats };
}

const MAP: SeatMap = {
  tripId: 3,
  trainNumber: 211,
  service: 'express',
  serviceDate: '2026-11-24',
  status: 'scheduled',
  from: { code: 'OWE', name: 'Owendo', departure: '2026-11-24T12:30:00+01:00' },
  to: { code: 'FCV', name: 'Franceville', arrival: '2026-11-25T01:49:00+01:00' },
  coaches: [
    { number: 1, type: 'FG', name: 'Fourgon', kind: 'baggage', airConditioned: false, seats: [] },
    seatCoach(2, '2+1', 2, 'vip'),
    { number: 3, type: 'BAR', name: 'Bar', kind: 'bar', airConditioned: true, seats: [] },
    seatCoach(4, '2+3', 3, 'second', [2, 7]),
  ],
};

const choice = (changes: Partial<SeatChoice> = {}): SeatChoice => ({
  from: 'OWE',
  to: 'FCV',
  travelClass: 'second',
  passengers: 2,
  seats: [],
  ...changes,
});

describe('seats in the URL', () => {
  it('writes and reads `coach-seat` lists, refusing anything else', () => {
    assert.equal(formatSeatList([{ coach: 3, seat: 14 }, { coach: 3, seat: 15 }]), '3-14,3-15');
    assert.deepEqual(parseSeatList('3-14,3-15'), [{ coach: 3, seat: 14 }, { coach: 3, seat: 15 }]);
    assert.deepEqual(parseSeatList(''), []);
    for (const bad of ['3-14,3-14', '3', '3-0', '0-1', 'a-1', '3-14;3-15', '-1-2']) assert.equal(parseSeatList(bad), null, bad);
  });

  it('builds the seat map and next-step links, with readable commas', () => {
    assert.equal(seatMapPath(3, choice()), '/trips/3/seats?from=OWE&to=FCV&class=second&passengers=2');
    const seats = [{ coach: 4, seat: 1 }, { coach: 4, seat: 3 }];
    const path = bookPath(3, choice({ seats }));
    assert.equal(path, '/trips/3/book?from=OWE&to=FCV&class=second&passengers=2&seats=4-1,4-3');
    assert.deepEqual(choiceFromQuery(path.slice(path.indexOf('?'))), choice({ seats }));
  });

  it('drops an unknown class, an unusable number of travellers and a malformed seat list', () => {
    assert.deepEqual(choiceFromQuery('from=OWE&to=FCV&class=luxe&passengers=99&seats=x'), {
      from: 'OWE',
      to: 'FCV',
      travelClass: null,
      passengers: 1,
      seats: [],
    });
  });
});

describe('drawing a coach', () => {
  it('puts the gangway after the groups of the layout: 2+3', () => {
    const rows = coachRows(seatCoach(4, '2+3', 2, 'second'));
    assert.equal(rows.length, 2);
    assert.deepEqual(
      rows[0].cells.map((cell) => (cell.kind === 'seat' ? cell.seat.number : cell.kind)),
      [1, 2, 'gangway', 3, 4, 5],
    );
    assert.deepEqual(
      coachRows(seatCoach(2, '2+1', 1, 'vip'))[0].cells.map((cell) => (cell.kind === 'seat' ? cell.seat.number : '|')),
      [1, 2, '|', 3],
    );
  });

  it('or where the column numbers leave a gap, and leaves a missing seat empty', () => {
    const coach: Coach = {
      ...seatCoach(5, '2+2', 1, 'first'),
      layout: undefined,
      seats: [
        { number: 1, row: 1, column: 1, position: 'window', free: true },
        { number: 2, row: 1, column: 2, position: 'aisle', free: true },
        { number: 3, row: 1, column: 4, position: 'aisle', free: true },
        { number: 4, row: 1, column: 5, position: 'window', free: true },
        { number: 5, row: 2, column: 1, position: 'window', free: true },
        { number: 6, row: 2, column: 5, position: 'window', free: true },
      ],
    };
    const kinds = coachRows(coach).map((row) => row.cells.map((cell) => (cell.kind === 'seat' ? cell.seat.number : cell.kind)));
    assert.deepEqual(kinds, [
      [1, 2, 'gangway', 3, 4],
      [5, 'empty', 'gangway', 'empty', 6],
    ]);
  });

  it('has no rows without seats (baggage van, bar)', () => {
    assert.deepEqual(coachRows(MAP.coaches[0]), []);
  });
});

describe('moving between seats with the keyboard', () => {
  const rows = coachRows(seatCoach(4, '2+3', 3, 'second'));
  // Row 1: 1 2 | 3 4 5; row 2: 6 7 | 8 9 10; row 3: 11 12 | 13 14 15.

  it('goes left and right within the row, across the gangway, and stops at its ends', () => {
    assert.equal(seatAfterMove(rows, 2, 'right'), 3);
    assert.equal(seatAfterMove(rows, 3, 'left'), 2);
    assert.equal(seatAfterMove(rows, 5, 'right'), null);
    assert.equal(seatAfterMove(rows, 1, 'left'), null);
    assert.equal(seatAfterMove(rows, 9, 'rowStart'), 6);
    assert.equal(seatAfterMove(rows, 6, 'rowEnd'), 10);
  });

  it('goes up and down keeping the place across the row', () => {
    assert.equal(seatAfterMove(rows, 3, 'down'), 8);
    assert.equal(seatAfterMove(rows, 8, 'up'), 3);
    assert.equal(seatAfterMove(rows, 1, 'up'), null);
    assert.equal(seatAfterMove(rows, 13, 'down'), null);
    assert.equal(seatAfterMove(rows, 9, 'first'), 1);
    assert.equal(seatAfterMove(rows, 1, 'last'), 15);
    assert.equal(seatAfterMove(rows, 99, 'left'), null);
  });
});

describe('choosing seats', () => {
  const a = { coach: 4, seat: 1 };
  const b = { coach: 4, seat: 3 };
  const c = { coach: 4, seat: 4 };

  it('only free seats of the chosen class can be chosen', () => {
    const second = MAP.coaches[3];
    assert.ok(isChoosable(second, second.seats[0], 'second'));
    assert.ok(!isChoosable(second, second.seats[1], 'second')); // seat 2 is taken
    assert.ok(!isChoosable(second, second.seats[0], 'first'));
    assert.ok(!isChoosable(MAP.coaches[1], MAP.coaches[1].seats[0], 'second')); // a VIP seat
  });

  it('adds seats up to the number of travellers, then refuses more', () => {
    let step = toggleSeat([], a, { choosable: true, max: 2 });
    assert.deepEqual(step, { chosen: [a], outcome: 'added' });
    step = toggleSeat(step.chosen, b, { choosable: true, max: 2 });
    assert.deepEqual(step, { chosen: [a, b], outcome: 'added' });
    assert.deepEqual(toggleSeat(step.chosen, c, { choosable: true, max: 2 }), { chosen: [a, b], outcome: 'limit' });
  });

  it('gives a chosen seat back when tapped again', () => {
    assert.deepEqual(toggleSeat([a, b], a, { choosable: true, max: 2 }), { chosen: [b], outcome: 'removed' });
  });

  it('moves the only seat of a lone traveller', () => {
    assert.deepEqual(toggleSeat([a], b, { choosable: true, max: 1 }), { chosen: [b], outcome: 'replaced' });
  });

  it('never takes a seat that is not free', () => {
    assert.deepEqual(toggleSeat([a], b, { choosable: false, max: 2 }), { chosen: [a], outcome: 'unavailable' });
  });

  it('keeps from a link only the seats still free in the class, up to the number of travellers', () => {
    const seats = [
      { coach: 4, seat: 2 }, // taken
      { coach: 2, seat: 1 }, // VIP
      { coach: 9, seat: 1 }, // no such coach
      { coach: 4, seat: 5 },
      { coach: 4, seat: 6 },
      { coach: 4, seat: 8 },
    ];
    assert.deepEqual(initialChoice(MAP, choice({ seats })), [
      { coach: 4, seat: 5 },
      { coach: 4, seat: 6 },
    ]);
  });

  it('checks the next step: as many seats as travellers, of the class, still free', () => {
    assert.equal(checkChoice(MAP, choice({ seats: [a, b] })), null);
    assert.equal(checkChoice(MAP, choice({ seats: [a] })), 'count');
    assert.equal(checkChoice(MAP, choice({ seats: [a, { coach: 2, seat: 1 }] })), 'unknown-seat');
    assert.equal(checkChoice(MAP, choice({ seats: [a, { coach: 4, seat: 99 }] })), 'unknown-seat');
    assert.equal(checkChoice(MAP, choice({ seats: [a, { coach: 4, seat: 7 }] })), 'taken');
    assert.equal(checkChoice(MAP, choice({ travelClass: null, seats: [a, b] })), 'count');
  });
});

describe('singular and plural', () => {
  it('follows each language: "0 place libre" but "0 seats free"', () => {
    assert.deepEqual([0, 1, 2].map((n) => isSingular(n, 'fr')), [true, true, false]);
    assert.deepEqual([0, 1, 2].map((n) => isSingular(n, 'en')), [false, true, false]);
  });
});
