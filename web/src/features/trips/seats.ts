// Seat maps: the URL of the seat map and of the next step, how a coach is drawn (rows, gangway), moving
// between seats with the arrow keys, and which seats a traveller may choose. Pure: no DOM, no i18n.
import { toQueryString } from '../../lib/router';
import { TRAVEL_CLASSES, type Coach, type Seat, type SeatMap, type TravelClass } from './api/types';
import { PASSENGERS } from './search';

/** A seat of the train: coach number as passengers see it, seat number in that coach. */
export interface SeatRef {
  coach: number;
  seat: number;
}

export const seatId = (ref: SeatRef): string => `${ref.coach}-${ref.seat}`;
export const sameSeat = (a: SeatRef, b: SeatRef): boolean => a.coach === b.coach && a.seat === b.seat;

/** `3-14,3-15`. */
export function formatSeatList(seats: readonly SeatRef[]): string {
  return seats.map(seatId).join(',');
}

/** `3-14,3-15` as seats; null when any item is not `<coach>-<seat>` or a seat comes twice. */
export function parseSeatList(text: string): SeatRef[] | null {
  if (text.trim() === '') return [];
  const seats: SeatRef[] = [];
  for (const item of text.split(',')) {
    const match = /^\s*([1-9]\d{0,2})-([1-9]\d{0,3})\s*$/.exec(item);
    if (!match) return null;
    const ref = { coach: Number(match[1]), seat: Number(match[2]) };
    if (seats.some((seat) => sameSeat(seat, ref))) return null;
    seats.push(ref);
  }
  return seats;
}

// --- URLs ---

/** What the seat map and the next step carry in their URL. */
export interface SeatChoice {
  from: string;
  to: string;
  /** null when the URL names no class we know. */
  travelClass: TravelClass | null;
  passengers: number;
  seats: SeatRef[];
}

function isTravelClass(value: string | null): value is TravelClass {
  return (TRAVEL_CLASSES as readonly (string | null)[]).includes(value);
}

/** `?from=OWE&to=FCV&class=second&passengers=2&seats=3-14,3-15`; unusable seats or travellers are dropped. */
export function choiceFromQuery(query: string): SeatChoice {
  const params = new URLSearchParams(query);
  const travelClass = params.get('class');
  const passengers = Number(params.get('passengers'));
  return {
    from: (params.get('from') ?? '').trim(),
    to: (params.get('to') ?? '').trim(),
    travelClass: isTravelClass(travelClass) ? travelClass : null,
    passengers:
      Number.isInteger(passengers) && passengers >= PASSENGERS.min && passengers <= PASSENGERS.max
        ? passengers
        : PASSENGERS.min,
    seats: parseSeatList(params.get('seats') ?? '') ?? [],
  };
}

export function choiceToQuery(choice: SeatChoice): string {
  return toQueryString({
    from: choice.from,
    to: choice.to,
    class: choice.travelClass,
    passengers: choice.passengers,
    seats: choice.seats.length > 0 ? formatSeatList(choice.seats) : null,
  });
}

/** `/trips/42/seats?from=OWE&to=FCV&class=second&passengers=2`. */
export function seatMapPath(tripId: number, choice: SeatChoice): string {
  return `/trips/${tripId}/seats?${choiceToQuery(choice)}`;
}

/** `/trips/42/book?from=OWE&to=FCV&class=second&passengers=2&seats=3-14,3-15`. */
export function bookPath(tripId: number, choice: SeatChoice): string {
  return `/trips/${tripId}/book?${choiceToQuery(choice)}`;
}

// --- Drawing a coach ---

/** One row across the coach, left to right: a seat, the gangway, or an empty place. */
export type Cell = { kind: 'seat'; seat: Seat } | { kind: 'gangway' } | { kind: 'empty' };

export interface SeatRow {
  row: number;
  cells: Cell[];
}

/** `2+3` -> the columns after which the gangway runs: [2]. */
function gangwaysAfter(layout: string | undefined, columns: number): number[] {
  if (!layout || !/^\d+(\+\d+)+$/.test(layout)) return [];
  const after: number[] = [];
  let sum = 0;
  for (const part of layout.split('+').slice(0, -1)) {
    sum += Number(part);
    if (sum > 0 && sum < columns) after.push(sum);
  }
  return after;
}

/**
 * The coach's rows, front to back, each with its cells left to right. The gangway is where the column
 * numbers leave a gap, or else after the groups of the layout (`2+3`: after the second seat).
 */
export function coachRows(coach: Coach): SeatRow[] {
  if (coach.seats.length === 0) return [];
  const columns = Math.max(...coach.seats.map((seat) => seat.column));
  const used = new Set(coach.seats.map((seat) => seat.column));
  const gaps = Array.from({ length: columns }, (_, i) => i + 1).filter((column) => !used.has(column));
  const after = gaps.length > 0 ? [] : gangwaysAfter(coach.layout, columns);
  const byRow = new Map<number, Map<number, Seat>>();
  for (const seat of coach.seats) {
    const row = byRow.get(seat.row) ?? new Map<number, Seat>();
    row.set(seat.column, seat);
    byRow.set(seat.row, row);
  }
  return Array.from(byRow.keys())
    .sort((a, b) => a - b)
    .map((row) => {
      const seats = byRow.get(row) ?? new Map<number, Seat>();
      const cells: Cell[] = [];
      for (let column = 1; column <= columns; column += 1) {
        const seat = seats.get(column);
        if (gaps.includes(column)) cells.push({ kind: 'gangway' });
        else cells.push(seat ? { kind: 'seat', seat } : { kind: 'empty' });
        if (after.includes(column)) cells.push({ kind: 'gangway' });
      }
      return { row, cells };
    });
}

export type Move = 'left' | 'right' | 'up' | 'down' | 'rowStart' | 'rowEnd' | 'first' | 'last';

/**
 * The seat the arrow keys lead to from `current` (a seat number) in a coach's rows, or null when there is
 * none that way. Left and right stay in the row, across the gangway; up and down keep the place across the
 * row, or the nearest seat to it.
 */
export function seatAfterMove(rows: readonly SeatRow[], current: number, move: Move): number | null {
  const seatsOf = (row: SeatRow) =>
    row.cells.flatMap((cell, index) => (cell.kind === 'seat' ? [{ index, number: cell.seat.number }] : []));
  const rowIndex = rows.findIndex((row) => seatsOf(row).some((seat) => seat.number === current));
  if (rowIndex < 0) return null;
  const here = seatsOf(rows[rowIndex]);
  const position = here.findIndex((seat) => seat.number === current);
  const across = here[position].index;
  switch (move) {
    case 'left':
      return position > 0 ? here[position - 1].number : null;
    case 'right':
      return position < here.length - 1 ? here[position + 1].number : null;
    case 'rowStart':
      return here[0].number;
    case 'rowEnd':
      return here[here.length - 1].number;
    case 'first':
      return rows.map(seatsOf).find((seats) => seats.length > 0)?.[0].number ?? null;
    case 'last': {
      const last = [...rows].reverse().map(seatsOf).find((seats) => seats.length > 0);
      return last ? last[last.length - 1].number : null;
    }
    case 'up':
    case 'down': {
      const step = move === 'up' ? -1 : 1;
      for (let r = rowIndex + step; r >= 0 && r < rows.length; r += step) {
        const seats = seatsOf(rows[r]);
        if (seats.length === 0) continue;
        const nearest = seats.reduce((best, seat) =>
          Math.abs(seat.index - across) < Math.abs(best.index - across) ? seat : best,
        );
        return nearest.number;
      }
      return null;
    }
  }
}

// --- Choosing seats ---

/** Whether a seat may be chosen: a free seat of a coach of the class chosen for the journey. */
export function isChoosable(coach: Coach, seat: Seat, travelClass: TravelClass | null): boolean {
  return coach.kind === 'seats' && travelClass !== null && coach.class === travelClass && seat.free;
}

/** The coaches of a class, in train order. */
export function coachesOfClass(map: SeatMap, travelClass: TravelClass | null): Coach[] {
  return map.coaches.filter((coach) => coach.kind === 'seats' && coach.class === travelClass);
}

export function freeSeats(coach: Coach): number {
  return coach.seats.filter((seat) => seat.free).length;
}

export type ToggleOutcome =
  /** The seat is now chosen. */
  | 'added'
  /** The seat was chosen: it is given back. */
  | 'removed'
  /** One traveller: the new seat replaces the one chosen before. */
  | 'replaced'
  /** Taken, or of another class: nothing changes. */
  | 'unavailable'
  /** As many seats as travellers are chosen already: give one back first. */
  | 'limit';

/**
 * What a tap on a seat does to the seats chosen so far. The order of choice is kept; exactly `max` seats
 * may be chosen. With one traveller a new seat simply replaces the chosen one.
 */
export function toggleSeat(
  chosen: readonly SeatRef[],
  seat: SeatRef,
  rules: { choosable: boolean; max: number },
): { chosen: SeatRef[]; outcome: ToggleOutcome } {
  if (chosen.some((ref) => sameSeat(ref, seat))) {
    return { chosen: chosen.filter((ref) => !sameSeat(ref, seat)), outcome: 'removed' };
  }
  if (!rules.choosable) return { chosen: [...chosen], outcome: 'unavailable' };
  if (chosen.length < rules.max) return { chosen: [...chosen, seat], outcome: 'added' };
  if (rules.max === 1) return { chosen: [seat], outcome: 'replaced' };
  return { chosen: [...chosen], outcome: 'limit' };
}

/** The seats of the URL that may still be chosen on this map (a shared or reloaded link), at most `max`. */
export function initialChoice(map: SeatMap, choice: SeatChoice): SeatRef[] {
  const kept: SeatRef[] = [];
  for (const ref of choice.seats) {
    const coach = map.coaches.find((c) => c.number === ref.coach);
    const seat = coach?.seats.find((s) => s.number === ref.seat);
    if (coach && seat && isChoosable(coach, seat, choice.travelClass) && kept.length < choice.passengers) {
      kept.push(ref);
    }
  }
  return kept;
}

export type ChoiceProblem =
  /** Not as many seats as travellers. */
  | 'count'
  /** A seat that does not exist, or is of another class. */
  | 'unknown-seat'
  /** A seat someone else has taken since. */
  | 'taken';

/** Whether the seats of the next step's URL still make a valid choice on the current map. */
export function checkChoice(map: SeatMap, choice: SeatChoice): ChoiceProblem | null {
  if (choice.travelClass === null || choice.seats.length !== choice.passengers) return 'count';
  for (const ref of choice.seats) {
    const coach = map.coaches.find((c) => c.number === ref.coach);
    const seat = coach?.seats.find((s) => s.number === ref.seat);
    if (!coach || !seat || coach.kind !== 'seats' || coach.class !== choice.travelClass) return 'unknown-seat';
  }
  for (const ref of choice.seats) {
    const seat = map.coaches.find((c) => c.number === ref.coach)?.seats.find((s) => s.number === ref.seat);
    if (!seat?.free) return 'taken';
  }
  return null;
}
