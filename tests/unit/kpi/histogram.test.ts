import { binOf, countAtLeast, quantile } from '../../../kpi/histogram';

const min = 60_000;

describe('duration histograms', () => {
  it('bins by 5 minutes below an hour, hours below a day, 6 hours below a week, days below 30 days, then weeks', () => {
    expect(binOf(59.9 * min)).toBe(55);
    expect(binOf(-5)).toBe(0);
    expect(binOf(74 * min)).toBe(60);
    expect(binOf(1439 * min)).toBe(1380);
    expect(binOf(1562 * min)).toBe(1440);
    expect(binOf(1800 * min)).toBe(1800);
    expect(binOf(8 * 1440 * min + 5)).toBe(8 * 1440);
    expect(binOf(31 * 1440 * min)).toBe(30 * 1440);
    expect(binOf(37 * 1440 * min)).toBe(37 * 1440);
  });

  it('has few bins, so a month of counters stays small', () => {
    const bins = new Set<number>();
    for (let m = 0; m < 90 * 1440; m += 7) bins.add(binOf(m * min));
    expect(bins.size).toBeLessThan(100);
  });

  it('reads nearest-rank quantiles off merged bins', () => {
    const h = new Map([
      [5, 3],
      [120, 1],
      [1560, 1],
    ]);
    expect(quantile(h, 0.5)).toBe(5);
    expect(quantile(h, 0.8)).toBe(120);
    expect(quantile(h, 0.95)).toBe(1560);
    expect(quantile(new Map(), 0.5)).toBeNull();
  });

  it('counts durations at or above an SLA on a bin boundary', () => {
    const h = new Map([
      [120, 2],
      [1440, 1],
      [1560, 4],
    ]);
    expect(countAtLeast(h, 24 * 60)).toBe(5);
    expect(countAtLeast(h, 2 * 60)).toBe(7);
  });
});
