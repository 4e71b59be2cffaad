import { monthOf, vnDay } from './period';

/**
 * Which KPI documents a reader may keep in memory, and which writes a writer must announce so that it can.
 *
 * Readers cache everything except the "hot" days and months (those around now), which they read afresh by `_id` on
 * every query. A writer announces (in the versions document) every write to a day or month other than its own
 * current one. The two rules meet as long as the clocks of the processes differ by less than
 * {@link CLOCK_MARGIN_MS}: a write that is not announced is dated on the writer's today, which is one of the reader's
 * hot days, so no cached document is ever changed without an announcement.
 */
export const CLOCK_MARGIN_MS = 3_600_000;

/** The days a reader at `now` reads afresh: those of now ± {@link CLOCK_MARGIN_MS} (one day, two around midnight). */
export function hotDays(now: number): Set<string> {
  return new Set([vnDay(now - CLOCK_MARGIN_MS), vnDay(now), vnDay(now + CLOCK_MARGIN_MS)]);
}

/** The months a reader at `now` reads afresh (the months of {@link hotDays}). */
export function hotMonths(now: number): Set<string> {
  return new Set([...hotDays(now)].map(monthOf));
}

/** Whether a writer at `now` must announce a write to the documents (counters, open items) of `day`. */
export const announcesDay = (day: string, now: number): boolean => day !== vnDay(now);
