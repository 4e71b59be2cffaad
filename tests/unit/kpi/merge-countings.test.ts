import { mergeCountings, type Counting } from '../../../kpi/batch-effects';
import type { KpiEvent } from '../../../kpi/event-effects';

const event = (id: string): KpiEvent =>
  ({ id, time: '2026-11-30T03:00:00.000Z', agency: 'A', type: 'document.sealed', details: {} }) as KpiEvent;

describe('mergeCountings', () => {
  it('sums the dims of every counting per counter document, with the tokens of each counting that changes it', () => {
    const countings: Counting[] = [
      {
        events: [event('d1#1'), event('d1#2')],
        groups: [
          { agency: 'A', day: '2026-11-30', dims: { sent: 2 } },
          { agency: 'B', day: '2026-11-30', dims: { received: 1 } },
        ],
      },
      { events: [event('d2#1')], groups: [{ agency: 'A', day: '2026-11-30', dims: { sent: 1, issued: 1 } }] },
      { events: [event('d3#1')], groups: [{ agency: 'A', day: '2026-11-29', dims: { sent: 1 } }] },
    ];
    expect(mergeCountings(countings)).toEqual([
      { agency: 'A', day: '2026-11-30', dims: { sent: 3, issued: 1 }, tokens: ['d1#1', 'd1#2', 'd2#1'] },
      { agency: 'B', day: '2026-11-30', dims: { received: 1 }, tokens: ['d1#1', 'd1#2'] },
      { agency: 'A', day: '2026-11-29', dims: { sent: 1 }, tokens: ['d3#1'] },
    ]);
  });

  it('changes nothing for one counting, and nothing at all for none', () => {
    const one: Counting = {
      events: [event('d1#1')],
      groups: [{ agency: 'A', day: '2026-11-30', dims: { sent: 1 } }],
    };
    expect(mergeCountings([one])).toEqual([{ ...one.groups[0], tokens: ['d1#1'] }]);
    expect(mergeCountings([])).toEqual([]);
  });
});
