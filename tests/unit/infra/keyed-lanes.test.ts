import { KeyedLanes } from '../../../infra/keyed-lanes';

const tick = () => new Promise((r) => setImmediate(r));

/** A task that records its start and end and finishes when released. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return {
    release: () => release(),
    task: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
    },
  };
}

describe('KeyedLanes', () => {
  it('runs tasks of one key in order and tasks of different keys side by side', async () => {
    const lanes = new KeyedLanes(10);
    const log: string[] = [];
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    const b1 = gate(log, 'b1');
    await lanes.add('a', a1.task);
    await lanes.add('a', a2.task);
    await lanes.add('b', b1.task);
    await tick();
    expect(log).toEqual(['start a1', 'start b1']);
    b1.release();
    await tick();
    expect(log).toEqual(['start a1', 'start b1', 'end b1']);
    a1.release();
    await tick();
    await tick();
    expect(log).toEqual(['start a1', 'start b1', 'end b1', 'end a1', 'start a2']);
    a2.release();
    await lanes.idle();
    expect(log.at(-1)).toBe('end a2');
    expect(lanes.size).toBe(0);
  });

  it('holds the caller back while the limit of tasks is in flight', async () => {
    const lanes = new KeyedLanes(2);
    const log: string[] = [];
    const g = [gate(log, '1'), gate(log, '2'), gate(log, '3')];
    await lanes.add('x', g[0]!.task);
    await lanes.add('y', g[1]!.task);
    let thirdAdded = false;
    const third = lanes.add('z', g[2]!.task).then(() => (thirdAdded = true));
    await tick();
    expect(thirdAdded).toBe(false);
    expect(lanes.size).toBe(2);
    g[0]!.release();
    await third;
    expect(thirdAdded).toBe(true);
    g[1]!.release();
    g[2]!.release();
    await lanes.idle();
    expect(log.filter((l) => l.startsWith('end')).sort()).toEqual(['end 1', 'end 2', 'end 3']);
  });

  it('goes on with a key after one of its tasks failed', async () => {
    const lanes = new KeyedLanes(4);
    const ran: string[] = [];
    await lanes.add('k', async () => {
      throw new Error('boom');
    });
    await lanes.add('k', async () => {
      ran.push('second');
    });
    await lanes.idle();
    expect(ran).toEqual(['second']);
  });

  it('refuses a limit below one', () => {
    expect(() => new KeyedLanes(0)).toThrow(/at least 1/);
  });
});
