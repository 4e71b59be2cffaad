/**
 * Duration histograms for pre-aggregated percentiles. A duration is floored to whole minutes and put in a bin:
 * 5-minute bins below 1 hour, 1-hour bins below 1 day, 6-hour bins below 7 days, 1-day bins below 30 days, then
 * 7-day bins: about 80 bins in all, so a month of counters stays small. Bins of different days and agencies add
 * up, and a quantile is read off the merged bins as the lower bound of its bin. An SLA falls on a bin boundary, and
 * so is counted exactly, when it is a whole number of hours up to 24, a multiple of 6 hours up to 7 days, or a
 * whole number of days up to 30.
 */

/** Lower bound (minutes) of the bin that holds a duration of `ms` milliseconds (negative durations count as 0). */
export function binOf(ms: number): number {
  const m = Math.max(0, Math.floor(ms / 60_000));
  const floorTo = (step: number, from = 0) => m - ((m - from) % step);
  if (m < 60) return floorTo(5);
  if (m < 24 * 60) return floorTo(60);
  if (m < 7 * 24 * 60) return floorTo(6 * 60);
  if (m < 30 * 24 * 60) return floorTo(24 * 60);
  return floorTo(7 * 24 * 60, 30 * 24 * 60);
}

/** A histogram: bin lower bound (minutes) → count. */
export type Histogram = Map<number, number>;

export function addToHistogram(h: Histogram, bin: number, n: number): void {
  if (n !== 0) h.set(bin, (h.get(bin) ?? 0) + n);
}

export function histogramCount(h: Histogram): number {
  let n = 0;
  for (const c of h.values()) n += c;
  return n;
}

/**
 * Nearest-rank quantile (q in (0, 1]): the bin of the ⌈q·N⌉-th smallest duration, as its lower bound in minutes;
 * null for an empty histogram.
 */
export function quantile(h: Histogram, q: number): number | null {
  const total = histogramCount(h);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const bin of [...h.keys()].sort((a, b) => a - b)) {
    seen += h.get(bin)!;
    if (seen >= rank) return bin;
  }
  return null;
}

/** How many durations fall in bins starting at or above `minutes` (exact on a bin boundary, see the module comment). */
export function countAtLeast(h: Histogram, minutes: number): number {
  let n = 0;
  for (const [bin, c] of h) if (bin >= minutes) n += c;
  return n;
}
