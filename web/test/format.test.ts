import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addDays,
  daysBetween,
  formatDate,
  formatDateTime,
  formatDayDate,
  formatDuration,
  formatIsoDate,
  formatMoneyXAF,
  formatPhone,
  formatShortDayTime,
  formatTime,
  isIsoDate,
  isValidEmail,
  localIsoDate,
  normalizeGabonPhone,
  todayInLibreville,
} from '../src/lib/format';

// Intl separates French thousands with a narrow no-break space; compare with plain spaces.
const spaces = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('formatMoneyXAF', () => {
  it('writes francs CFA without decimals', () => {
    assert.equal(spaces(formatMoneyXAF(12500)), '12 500 FCFA');
    assert.equal(spaces(formatMoneyXAF(0)), '0 FCFA');
    assert.equal(spaces(formatMoneyXAF(1234567)), '1 234 567 FCFA');
    assert.equal(spaces(formatMoneyXAF(-7200)), '− 7 200 FCFA');
  });
  it('rounds a stray fraction rather than showing it', () => {
    assert.equal(spaces(formatMoneyXAF(99.6)), '100 FCFA');
  });
});

describe('dates in Libreville time (UTC+1)', () => {
  it('formats dd/mm/yyyy', () => {
    assert.equal(formatDate('2026-11-22T05:00:00Z'), '22/11/2026');
    assert.equal(formatDate(new Date(Date.UTC(2026, 0, 5, 12))), '05/01/2026');
  });
  it('moves a late UTC evening to the next local day', () => {
    assert.equal(formatDate('2026-12-31T23:30:00Z'), '01/01/2027');
  });
  it('writes the time as 12h30 in French and 12:30 in English', () => {
    assert.equal(formatTime('2026-11-22T11:30:00Z', 'fr'), '12h30');
    assert.equal(formatTime('2026-11-22T11:30:00Z', 'en'), '12:30');
    assert.equal(formatTime('2026-11-22T23:05:00Z', 'fr'), '00h05');
  });
  it('has no daylight saving time', () => {
    assert.equal(formatTime('2026-07-01T06:15:00Z', 'fr'), '07h15');
    assert.equal(formatTime('2026-01-01T06:15:00Z', 'fr'), '07h15');
  });
  it('joins date and time', () => {
    assert.equal(formatDateTime('2026-11-22T04:00:00Z', 'fr'), '22/11/2026 05h00');
    assert.equal(formatDateTime('2026-11-22T04:00:00Z', 'en'), '22/11/2026 05:00');
  });
  it('writes an instant with its short weekday, in Libreville time', () => {
    assert.equal(formatShortDayTime('2026-11-23T17:00:00Z', 'fr'), 'lun. 23 nov. 18h00');
    assert.equal(formatShortDayTime('2026-11-23T17:00:00Z', 'en'), 'Mon 23 Nov 18:00');
    assert.equal(formatShortDayTime('2026-11-23T23:30:00Z', 'fr'), 'mar. 24 nov. 00h30');
    assert.equal(formatShortDayTime('nope', 'fr'), '');
  });
  it('returns an empty string for an invalid instant', () => {
    assert.equal(formatDate('not a date'), '');
    assert.equal(formatDateTime('', 'fr'), '');
  });
});

describe('calendar dates in Libreville', () => {
  it('is already tomorrow in Libreville at 23:30 UTC', () => {
    assert.equal(localIsoDate('2026-11-22T23:30:00Z'), '2026-11-23');
    assert.equal(todayInLibreville(new Date('2026-11-22T22:59:00Z')), '2026-11-22');
    assert.equal(todayInLibreville(new Date('2026-11-22T23:00:00Z')), '2026-11-23');
    assert.equal(localIsoDate('nonsense'), '');
  });
  it('knows which dates exist and counts days across months and years', () => {
    assert.ok(isIsoDate('2028-02-29'));
    assert.ok(!isIsoDate('2027-02-29'));
    assert.ok(!isIsoDate('2026-11-31'));
    assert.ok(!isIsoDate('24/11/2026'));
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
    assert.equal(addDays('bad', 1), '');
  });
  it('writes a date dd/mm/yyyy, with its weekday in each language', () => {
    assert.equal(formatIsoDate('2026-11-24'), '24/11/2026');
    assert.equal(formatIsoDate('2026-13-01'), '2026-13-01');
    assert.equal(formatDayDate('2026-11-24', 'fr'), 'mardi 24/11/2026');
    assert.equal(formatDayDate('2026-11-24', 'en'), 'Tuesday 24/11/2026');
  });
  it('tells an arrival the next day from one the same day, in local time', () => {
    assert.equal(daysBetween('2026-11-24T12:30:00+01:00', '2026-11-25T01:49:00+01:00'), 1);
    assert.equal(daysBetween('2026-11-24T12:30:00+01:00', '2026-11-24T23:59:00+01:00'), 0);
    // 23:30 UTC is already the next day in Libreville.
    assert.equal(daysBetween('2026-11-24T12:00:00Z', '2026-11-24T23:30:00Z'), 1);
    assert.equal(daysBetween('2026-12-31T20:00:00+01:00', '2027-01-02T08:00:00+01:00'), 2);
  });
});

describe('formatDuration', () => {
  it('writes hours and two-digit minutes: 13 h 05', () => {
    assert.equal(formatDuration(785, 'fr'), '13 h 05');
    assert.equal(formatDuration(799, 'fr'), '13 h 19');
    assert.equal(formatDuration(120, 'fr'), '2 h 00');
    assert.equal(formatDuration(785, 'en'), '13 h 05 min');
  });
  it('writes minutes alone under an hour', () => {
    assert.equal(formatDuration(45, 'fr'), '45 min');
    assert.equal(formatDuration(45, 'en'), '45 min');
    assert.equal(formatDuration(0, 'fr'), '0 min');
  });
});

describe('normalizeGabonPhone', () => {
  it('accepts the national form, with or without spaces', () => {
    assert.equal(normalizeGabonPhone('077123456'), '+24177123456');
    assert.equal(normalizeGabonPhone('077 12 34 56'), '+24177123456');
    assert.equal(normalizeGabonPhone(' 066 12 34 56 '), '+24166123456');
  });
  it('accepts every mobile prefix: 62, 65, 66, 74, 77', () => {
    for (const prefix of ['62', '65', '66', '74', '77']) {
      assert.equal(normalizeGabonPhone(`0${prefix}000000`), `+241${prefix}000000`);
    }
  });
  it('accepts +241 followed by the number without its 0', () => {
    assert.equal(normalizeGabonPhone('+24177123456'), '+24177123456');
    assert.equal(normalizeGabonPhone('+241 77 12 34 56'), '+24177123456');
  });
  it('rejects other numbers', () => {
    for (const bad of [
      '',
      '12345',
      '77123456', // no leading 0
      '0771234567', // one digit too many
      '07712345', // one digit too few
      '061234567', // 61 is not a mobile prefix
      '011234567', // a landline
      '+241077123456', // +241 keeps no 0
      '+2417712345',
      '24177123456', // no +
      '+33612345678',
      '077-12-34-56',
      '07712345a',
    ]) {
      assert.equal(normalizeGabonPhone(bad), null, bad);
    }
  });
});

describe('formatPhone', () => {
  it('groups a Gabonese E.164 number in pairs', () => {
    assert.equal(formatPhone('+24177123456'), '+241 77 12 34 56');
  });
  it('leaves anything else as it is', () => {
    assert.equal(formatPhone('+24107712345X'), '+24107712345X');
  });
});

describe('isValidEmail', () => {
  it('accepts ordinary addresses', () => {
    for (const ok of ['a@b.ga', 'awa.ndong@setrag.ga', 'x+tag@mail.example.com', ' a@b.ga ']) {
      assert.ok(isValidEmail(ok), ok);
    }
  });
  it('rejects what cannot be an address', () => {
    for (const bad of ['', 'awa', 'awa@', '@b.ga', 'a@b', 'a b@c.ga', 'a@b..ga', 'a@@b.ga', `${'a'.repeat(250)}@b.ga`]) {
      assert.ok(!isValidEmail(bad), bad);
    }
  });
});
