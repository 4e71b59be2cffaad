import { announcesDay, CLOCK_MARGIN_MS, hotDays, hotMonths } from '../../../kpi/freshness';
import { vnDay } from '../../../kpi/period';

describe('which KPI documents readers keep', () => {
  it('reads today afresh, and yesterday too in the first hour of a day', () => {
    expect([...hotDays(Date.parse('2026-06-15T05:00:00Z'))]).toEqual(['2026-06-15']);
    // 00:30 in Vietnam on 1 July: the margin reaches back into 30 June, and into June.
    const justAfterMidnight = Date.parse('2026-06-30T17:30:00Z');
    expect([...hotDays(justAfterMidnight)].sort()).toEqual(['2026-06-30', '2026-07-01']);
    expect([...hotMonths(justAfterMidnight)].sort()).toEqual(['2026-06', '2026-07']);
  });

  it('has every write a reader would keep announced, for clocks less than the margin apart', () => {
    for (
      let reader = Date.parse('2026-06-30T15:00:00Z');
      reader < Date.parse('2026-07-01T20:00:00Z');
      reader += 600_000
    )
      for (const skew of [-CLOCK_MARGIN_MS + 1, -600_000, 0, 600_000, CLOCK_MARGIN_MS - 1]) {
        const writer = reader + skew;
        const unannounced = vnDay(writer); // the one day a writer does not announce
        expect(announcesDay(unannounced, writer)).toBe(false);
        expect(hotDays(reader).has(unannounced)).toBe(true);
      }
  });
});
