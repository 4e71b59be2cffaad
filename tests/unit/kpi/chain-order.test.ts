import { ChainOrder } from '../../../store/kpi-store';

describe('rebuild order', () => {
  it('releases each agency’s events in chain order whatever order the scan returns', () => {
    const out: string[] = [];
    const order = new ChainOrder<{ agency: string; seq: number }>((e) => out.push(`${e.agency}${e.seq}`));
    for (const [agency, seq] of [
      ['A', 2],
      ['B', 1],
      ['A', 3],
      ['A', 1],
      ['B', 2],
      ['A', 1],
      ['A', 4],
    ] as const)
      order.push({ agency, seq });
    expect(order.flush()).toBe(0);
    expect(out).toEqual(['B1', 'A1', 'A2', 'A3', 'B2', 'A4']);
  });

  it('emits what follows a gap at the end and counts the missing events', () => {
    const out: number[] = [];
    const order = new ChainOrder<{ agency: string; seq: number }>((e) => out.push(e.seq));
    for (const seq of [1, 2, 5, 6, 9]) order.push({ agency: 'A', seq });
    expect(order.flush()).toBe(4);
    expect(out).toEqual([1, 2, 5, 6, 9]);
  });
});
