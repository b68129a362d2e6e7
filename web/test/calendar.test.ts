import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiResult } from '../src/lib/api';
import { todayInLibreville } from '../src/lib/format';
import {
  DAYS_AHEAD,
  TrainDatesCache,
  addMonths,
  calendarBounds,
  datesQuery,
  dayAfterKey,
  focusDayIn,
  initialMonth,
  isSelectable,
  longDay,
  monthGrid,
  monthHasSelectable,
  monthTitle,
  parseDateInput,
  parseTrainDates,
  weekdayNames,
  type DatesQuery,
} from '../src/ui/calendar';

// Sunday 22 November 2026, as in Libreville.
const TODAY = '2026-11-22';
const bounds = calendarBounds(TODAY);

describe('the month grid', () => {
  it('starts weeks on Monday and leaves the days of other months blank', () => {
    const weeks = monthGrid('2026-11');
    // 1 November 2026 is a Sunday: six blanks, then the 1st in the last column.
    assert.deepEqual(weeks[0], [null, null, null, null, null, null, '2026-11-01']);
    assert.deepEqual(weeks[1], ['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-08']);
    assert.deepEqual(weeks[weeks.length - 1], ['2026-11-30', null, null, null, null, null, null]);
    assert.equal(weeks.length, 6);
    assert.ok(weeks.every((week) => week.length === 7));
    assert.equal(weeks.flat().filter(Boolean).length, 30);
  });

  it('knows leap years and months that start on a Monday', () => {
    assert.equal(monthGrid('2028-02').flat().filter(Boolean).length, 29);
    assert.equal(monthGrid('2027-02').flat().filter(Boolean).length, 28);
    // 1 February 2027 is a Monday and February 2027 has exactly four weeks.
    assert.equal(monthGrid('2027-02').length, 4);
    assert.equal(monthGrid('2027-02')[0][0], '2027-02-01');
  });

  it('moves across years', () => {
    assert.equal(addMonths('2026-12', 1), '2027-01');
    assert.equal(addMonths('2027-01', -1), '2026-12');
    assert.equal(addMonths('2026-11', 14), '2028-01');
  });
});

describe('which days may be chosen', () => {
  it('from today in Libreville to about two months ahead', () => {
    assert.equal(DAYS_AHEAD, 62);
    assert.deepEqual(bounds, { first: '2026-11-22', last: '2027-01-23' });
    assert.equal(isSelectable('2026-11-21', bounds), false, 'yesterday');
    assert.equal(isSelectable('2026-11-22', bounds), true, 'today');
    assert.equal(isSelectable('2027-01-23', bounds), true);
    assert.equal(isSelectable('2027-01-24', bounds), false, 'too far ahead');
    assert.equal(isSelectable('2026-11-31', bounds), false, 'no such day');
  });

  it('uses Libreville’s date, not the phone’s: 23:30 UTC on the 22nd is already the 23rd there', () => {
    const late = todayInLibreville(new Date('2026-11-22T23:30:00Z'));
    assert.equal(late, '2026-11-23');
    assert.equal(isSelectable('2026-11-22', calendarBounds(late)), false);
  });

  it('offers the previous and next months only when they have such a day', () => {
    assert.equal(monthHasSelectable('2026-10', bounds), false);
    assert.equal(monthHasSelectable('2026-11', bounds), true);
    assert.equal(monthHasSelectable('2027-01', bounds), true);
    assert.equal(monthHasSelectable('2027-02', bounds), false);
  });

  it('opens on the chosen day’s month, else this month, with the focus on a day that may be chosen', () => {
    assert.equal(initialMonth('2026-12-24', bounds), '2026-12');
    assert.equal(initialMonth('2026-10-01', bounds), '2026-11');
    assert.equal(initialMonth(null, bounds), '2026-11');
    assert.equal(focusDayIn('2026-12', '2026-12-24', bounds), '2026-12-24');
    assert.equal(focusDayIn('2026-12', null, bounds), '2026-12-01');
    assert.equal(focusDayIn('2026-11', null, bounds), TODAY, 'not the 1st, which is past');
  });
});

describe('the keyboard in the grid', () => {
  it('moves by day, week, to the week’s ends and by month', () => {
    assert.equal(dayAfterKey('2026-11-25', 'ArrowRight', bounds), '2026-11-26');
    assert.equal(dayAfterKey('2026-11-25', 'ArrowLeft', bounds), '2026-11-24');
    assert.equal(dayAfterKey('2026-11-25', 'ArrowDown', bounds), '2026-12-02');
    assert.equal(dayAfterKey('2026-12-02', 'ArrowUp', bounds), '2026-11-25');
    assert.equal(dayAfterKey('2026-11-25', 'Home', bounds), '2026-11-23', 'Monday');
    assert.equal(dayAfterKey('2026-11-25', 'End', bounds), '2026-11-29', 'Sunday');
    assert.equal(dayAfterKey('2026-11-25', 'PageDown', bounds), '2026-12-25');
    assert.equal(dayAfterKey('2026-12-25', 'PageUp', bounds), '2026-11-25');
  });

  it('never leaves the days that may be chosen', () => {
    assert.equal(dayAfterKey(TODAY, 'ArrowLeft', bounds), TODAY);
    assert.equal(dayAfterKey('2026-11-24', 'ArrowUp', bounds), TODAY);
    assert.equal(dayAfterKey('2026-11-25', 'PageUp', bounds), TODAY);
    assert.equal(dayAfterKey('2027-01-23', 'ArrowRight', bounds), '2027-01-23');
    assert.equal(dayAfterKey('2027-01-10', 'PageDown', bounds), '2027-01-23');
  });

  it('keeps to the month’s last day when the next month is shorter', () => {
    const wide = calendarBounds('2027-01-01', 400);
    assert.equal(dayAfterKey('2027-01-31', 'PageDown', wide), '2027-02-28');
  });
});

describe('names from Intl, in the app’s language', () => {
  it('French first: weekdays from Monday, the month and a day in full', () => {
    const fr = weekdayNames('fr');
    assert.equal(fr.length, 7);
    assert.equal(fr[0].long, 'lundi');
    assert.equal(fr[6].long, 'dimanche');
    assert.equal(fr[1].short, 'mar.');
    assert.equal(monthTitle('2026-11', 'fr'), 'novembre 2026');
    assert.equal(longDay('2026-11-24', 'fr'), 'mardi 24 novembre 2026');
  });

  it('English second', () => {
    assert.equal(weekdayNames('en')[0].long, 'Monday');
    assert.equal(monthTitle('2026-11', 'en'), 'November 2026');
    assert.match(longDay('2026-11-24', 'en'), /^Tuesday,? 24 November 2026$/);
  });
});

describe('the days with a train', () => {
  it('asks for the month’s days from today to the month’s end, within the days that may be chosen', () => {
    assert.deepEqual(datesQuery('OWE', 'FCV', '2026-11', bounds), { from: 'OWE', to: 'FCV', start: TODAY, days: 9 });
    assert.deepEqual(datesQuery('OWE', 'FCV', '2026-12', bounds), {
      from: 'OWE',
      to: 'FCV',
      start: '2026-12-01',
      days: 31,
    });
    assert.deepEqual(datesQuery('OWE', 'FCV', '2027-01', bounds), {
      from: 'OWE',
      to: 'FCV',
      start: '2027-01-01',
      days: 23,
    });
    assert.equal(datesQuery('OWE', 'FCV', '2027-02', bounds), null, 'nothing to choose there');
    assert.equal(datesQuery('', 'FCV', '2026-12', bounds), null, 'no journey yet');
  });

  it('reads the answer defensively', () => {
    assert.deepEqual(parseTrainDates({ from: 'OWE', to: 'FCV', dates: ['2026-11-24', 'soon', 3, '2026-02-30'] }), [
      '2026-11-24',
    ]);
    assert.deepEqual(parseTrainDates({ dates: [] }), []);
    assert.equal(parseTrainDates({ trips: [] }), null);
    assert.equal(parseTrainDates('<html>'), null);
  });

  const query: DatesQuery = { from: 'OWE', to: 'FCV', start: TODAY, days: 9 };
  const answered = (data: unknown): ApiResult<unknown> => ({ ok: true, status: 200, data });
  const notFound: ApiResult<unknown> = {
    ok: false,
    error: { kind: 'problem', status: 404, problem: { type: 'https://setrag.ga/problems/not-found', title: '', status: 404 } },
  };

  it('asks once per journey and month, however often the calendar is drawn', async () => {
    const asked: DatesQuery[] = [];
    const cache = new TrainDatesCache(async (q) => {
      asked.push(q);
      return answered({ dates: ['2026-11-24', '2026-11-26'] });
    });
    const first = await cache.get(query);
    await Promise.all([cache.get(query), cache.get({ ...query, from: 'owe' })]);
    assert.equal(asked.length, 1);
    assert.equal(first.status, 'known');
    assert.ok(first.status === 'known' && first.days.has('2026-11-26') && !first.days.has('2026-11-25'));
    await cache.get({ ...query, start: '2026-12-01', days: 31 });
    await cache.get({ ...query, from: 'FCV', to: 'OWE' });
    assert.equal(asked.length, 3);
  });

  it('works without marks when the server does not offer the dates (404), and does not ask again', async () => {
    let asked = 0;
    const cache = new TrainDatesCache(async () => {
      asked += 1;
      return notFound;
    });
    assert.deepEqual(await cache.get(query), { status: 'unknown' });
    assert.deepEqual(await cache.get(query), { status: 'unknown' });
    assert.equal(asked, 1);
  });

  it('asks again after a network failure, a server error or a thrown error', async () => {
    const answers: Array<ApiResult<unknown> | Error> = [
      { ok: false, error: { kind: 'network' } },
      { ok: false, error: { kind: 'unexpected', status: 502 } },
      new Error('aborted'),
      answered({ dates: ['2026-11-24'] }),
    ];
    let asked = 0;
    const cache = new TrainDatesCache(async () => {
      const answer = answers[asked++];
      if (answer instanceof Error) throw answer;
      return answer;
    });
    assert.deepEqual(await cache.get(query), { status: 'unknown' });
    assert.deepEqual(await cache.get(query), { status: 'unknown' });
    assert.deepEqual(await cache.get(query), { status: 'unknown' });
    assert.equal((await cache.get(query)).status, 'known');
    assert.equal(asked, 4);
  });
});

describe('a date typed in a date field (the trip search, the exchange)', () => {
  it('reads day/month/year as Gabon writes it, whatever the browser’s language', () => {
    assert.equal(parseDateInput('24/11/2026', '2026-11-22'), '2026-11-24');
    assert.equal(parseDateInput('24112026', '2026-11-22'), '2026-11-24');
    assert.equal(parseDateInput('01/12', '2026-11-22'), '2026-12-01');
    assert.equal(parseDateInput('11/24/2026', '2026-11-22'), null, 'month/day is not a date here');
  });
});
