import {
  addMonths,
  dayEnd,
  dayStart,
  lastDayOfMonth,
  lastMonths,
  resolvePeriod,
  vnDay,
} from '../../../kpi/period';

describe('Vietnamese calendar days', () => {
  it('agrees with Intl for Asia/Ho_Chi_Minh across a year, around midnight', () => {
    const intl = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' });
    for (let ms = Date.UTC(2025, 0, 1); ms < Date.UTC(2026, 0, 2); ms += 6 * 3600_000 + 17 * 60_000)
      for (const t of [ms, ms + 16 * 3600_000 + 59 * 60_000 + 59_000, ms + 17 * 3600_000])
        expect(vnDay(t)).toBe(intl.format(t));
  });

  it('puts 17:00 UTC into the next Vietnamese day', () => {
    expect(vnDay('2025-03-31T16:59:59.999Z')).toBe('2025-03-31');
    expect(vnDay('2025-03-31T17:00:00Z')).toBe('2025-04-01');
    expect(dayStart('2025-04-01').toISOString()).toBe('2025-03-31T17:00:00.000Z');
    expect(dayEnd('2025-03-31').toISOString()).toBe('2025-03-31T17:00:00.000Z');
  });

  it('resolves a default period from 1 January to today and refuses an inverted one', () => {
    expect(resolvePeriod({}, new Date('2025-12-31T18:00:00Z'))).toEqual({
      from: '2026-01-01',
      to: '2026-01-01',
    });
    expect(resolvePeriod({ to: '2025-06-30' }, new Date())).toEqual({ from: '2025-01-01', to: '2025-06-30' });
    expect(() => resolvePeriod({ from: '2025-02-01', to: '2025-01-31' }, new Date())).toThrow(RangeError);
  });

  it('counts months across year ends', () => {
    expect(addMonths('2025-01', -1)).toBe('2024-12');
    expect(addMonths('2024-12', 13)).toBe('2026-01');
    expect(lastDayOfMonth('2024-02')).toBe('2024-02-29');
    expect(lastMonths(3, new Date('2025-01-15T00:00:00Z'))).toEqual(['2024-11', '2024-12', '2025-01']);
  });
});
