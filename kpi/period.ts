import { TIME_ZONE } from '../schemas/constants';

/**
 * Calendar arithmetic in Asia/Ho_Chi_Minh. Vietnam has kept UTC+07:00 without daylight saving since 1975, so a
 * fixed offset gives the same days as the IANA zone (a unit test checks it against Intl) and is fast enough to
 * bucket millions of events.
 */
export const VN_OFFSET_MS = 7 * 3600_000;

export { TIME_ZONE };

/** The Vietnamese calendar day (`yyyy-MM-dd`) of an instant. */
export function vnDay(at: string | Date | number): string {
  const ms = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not a time: ${String(at)}`);
  return new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** `yyyy-MM` of a day. */
export const monthOf = (day: string): string => day.slice(0, 7);

/** The instant a Vietnamese day starts. */
export function dayStart(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) - VN_OFFSET_MS);
}

/** The instant right after a Vietnamese day ends (start of the next day). */
export function dayEnd(day: string): Date {
  return new Date(dayStart(day).getTime() + 24 * 3600_000);
}

/** Adds whole days to a day. */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Adds whole months to a `yyyy-MM` month. */
export function addMonths(month: string, months: number): string {
  const [y, m] = month.split('-').map(Number);
  const total = y * 12 + (m - 1) + months;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}

/** Last day of a `yyyy-MM` month. */
export function lastDayOfMonth(month: string): string {
  return addDays(`${addMonths(month, 1)}-01`, -1);
}

/** A period of whole Vietnamese days, both ends inclusive. */
export interface DayRange {
  from: string;
  to: string;
}

/**
 * The period of a KPI query: `from`/`to` as given, else 1 January of the current Vietnamese year to today.
 * @throws RangeError when `from` is after `to`.
 */
export function resolvePeriod(query: { from?: string; to?: string }, now: Date): DayRange {
  const today = vnDay(now);
  const to = query.to ?? today;
  const from = query.from ?? `${to.slice(0, 4)}-01-01`;
  if (from > to) throw new RangeError(`from (${from}) is after to (${to})`);
  return { from, to };
}

/** The last `count` months up to and including the month of `now`, oldest first. */
export function lastMonths(count: number, now: Date): string[] {
  const current = monthOf(vnDay(now));
  return Array.from({ length: count }, (_, i) => addMonths(current, i - count + 1));
}
