import { afterOp, storeOps, type StoreOp } from '../../../kpi/batch-effects';
import type { OpenItem, OpenOp } from '../../../kpi/event-effects';

const track = 'issued|000.01.01.H29|doc-1';
const add = (recipient: string): OpenOp => ({ op: 'addPending', id: track, recipient });
const settle = (recipient: string): OpenOp => ({ op: 'settle', id: track, recipient });

/** An item after store operations, as the KPI store writes them ($addToSet $each, $pullAll, delete when empty). */
function afterStoreOp(item: OpenItem | null, op: StoreOp): OpenItem | null {
  if (op.op === 'open' || op.op === 'close') return afterOp(item, op);
  if (!item) return null;
  if (op.op === 'addPending')
    return { ...item, pending: [...new Set([...(item.pending ?? []), ...op.recipients])] };
  const pending = (item.pending ?? []).filter((r) => !op.recipients.includes(r));
  return pending.length > 0 ? { ...item, pending } : null;
}

describe('storeOps', () => {
  const opened: OpenItem = {
    id: track,
    kind: 'issued',
    agency: '000.01.01.H29',
    since: '2026-11-30T03:00:00.000Z',
  } as OpenItem;

  it('writes a dispatch to ten recipients as one addition, in the order given', () => {
    const recipients = Array.from({ length: 10 }, (_, i) => `000.00.${30 + i}.H29`);
    expect(storeOps(recipients.map(add))).toEqual([{ op: 'addPending', id: track, recipients }]);
  });

  it('merges only neighbours on one item, so every other operation keeps its place', () => {
    const other = 'issued|000.01.01.H29|doc-2';
    const ops: OpenOp[] = [
      { op: 'open', item: opened },
      add('A'),
      add('B'),
      add('A'),
      { op: 'addPending', id: other, recipient: 'C' },
      add('D'),
      settle('A'),
      settle('B'),
      { op: 'close', id: other },
    ];
    expect(storeOps(ops)).toEqual([
      { op: 'open', item: opened },
      { op: 'addPending', id: track, recipients: ['A', 'B'] },
      { op: 'addPending', id: other, recipients: ['C'] },
      { op: 'addPending', id: track, recipients: ['D'] },
      { op: 'settle', id: track, recipients: ['A', 'B'] },
      { op: 'close', id: other },
    ]);
  });

  it('leaves every item as the operations one by one would', () => {
    const sequences: OpenOp[][] = [
      [{ op: 'open', item: opened }, add('A'), add('B'), settle('A'), settle('B')],
      [{ op: 'open', item: opened }, add('A'), add('B'), add('C'), settle('B'), settle('C')],
      [add('A'), { op: 'open', item: opened }, add('B'), settle('B'), add('C')],
      [{ op: 'open', item: opened }, add('A'), { op: 'close', id: track }, add('B')],
      [
        { op: 'open', item: opened },
        { op: 'close', id: track },
        { op: 'close', id: track },
      ],
      [{ op: 'close', id: track }, { op: 'open', item: opened }, { op: 'close', id: track }, add('A')],
      [{ op: 'close', id: track }, { op: 'close', id: track }, { op: 'open', item: opened }, add('A')],
    ];
    for (const ops of sequences) {
      const oneByOne = ops.reduce<OpenItem | null>((item, op) => afterOp(item, op), null);
      const merged = storeOps(ops).reduce<OpenItem | null>((item, op) => afterStoreOp(item, op), null);
      expect(merged).toEqual(oneByOne);
    }
  });

  it('drops a close of an item closed before in the operations, unless it was opened again in between', () => {
    const unsent = 'unsent|000.00.32.H29|doc-1';
    const dispatch = (recipient: string): OpenOp[] => [{ op: 'close', id: unsent }, add(recipient)];
    expect(storeOps([...dispatch('A'), ...dispatch('B'), ...dispatch('C')])).toEqual([
      { op: 'close', id: unsent },
      { op: 'addPending', id: track, recipients: ['A', 'B', 'C'] },
    ]);
    const reopened: OpenOp[] = [
      { op: 'close', id: track },
      { op: 'open', item: opened },
      { op: 'close', id: track },
      { op: 'close', id: track },
    ];
    expect(storeOps(reopened)).toEqual(reopened.slice(0, 3));
  });
});
