import { MemoryKpiState } from '../../../kpi/memory-state';

const A = '000.00.01.h29';
const B = '000.00.02.h29';

const verified = (i: number) => ({
  id: `ev-${i}`,
  time: new Date(Date.parse('2025-03-01T01:00:00Z') + i * 1000).toISOString(),
  agency: B,
  type: 'incoming.verified',
  documentId: `${A}_D${i}`,
  details: { from: A },
});

describe('the in-memory state with many tokens', () => {
  it('counts each of many events of one agency and month once, however often it is applied', () => {
    const s = new MemoryKpiState();
    const n = 20_000;
    for (let i = 0; i < n; i++) s.apply(verified(i));
    for (let i = n - 1; i >= 0; i -= 3) s.apply(verified(i));
    const month = s.months.get(`${A}|2025-03`)!;
    expect(month.c).toEqual({ el: n, el_valid: n });
    expect(month.applied).toHaveLength(n);
    expect(new Set(month.applied).size).toBe(n);
    const days = [...s.days.values()].filter((d) => d.agency === A);
    expect(days.reduce((sum, d) => sum + d.c.el, 0)).toBe(n);
    expect(days.reduce((sum, d) => sum + d.applied.length, 0)).toBe(n);
  });

  it('counts a repeated event again when its day keeps no tokens, as the store does after pruning', () => {
    const s = new MemoryKpiState({ keepTokensFrom: '2025-03-02' });
    s.apply(verified(1));
    s.apply(verified(1));
    expect(s.days.get(`${A}|2025-03-01`)!.c).toEqual({ el: 2, el_valid: 2 });
  });
});
