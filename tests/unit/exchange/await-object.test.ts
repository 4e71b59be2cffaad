import { awaitObject } from '../../../activities/exchange/receipt';

/** A read that finds nothing `absentFor` times, then the bytes; counts reads and the waits between them. */
function lateObject(absentFor: number) {
  const state = { reads: 0, waited: [] as number[] };
  const read = () => Promise.resolve(state.reads++ < absentFor ? null : new Uint8Array([1, 2, 3]));
  const sleep = (ms: number) => {
    state.waited.push(ms);
    return Promise.resolve();
  };
  return { state, read, sleep };
}

describe('awaitObject (an attachment still copying to the province)', () => {
  it('returns an object that is there at once without waiting', async () => {
    const { state, read, sleep } = lateObject(0);
    expect(await awaitObject(read, 5_000, 1_000, sleep)).toEqual(new Uint8Array([1, 2, 3]));
    expect(state).toEqual({ reads: 1, waited: [] });
  });

  it('reads again until an object that arrives late is there', async () => {
    const { state, read, sleep } = lateObject(3);
    expect(await awaitObject(read, 5_000, 1_000, sleep)).toEqual(new Uint8Array([1, 2, 3]));
    expect(state).toEqual({ reads: 4, waited: [1_000, 1_000, 1_000] });
  });

  it('gives up after the wait with null, so the receipt records PAYLOAD_MISSING', async () => {
    const { state, read, sleep } = lateObject(100);
    expect(await awaitObject(read, 5_000, 1_000, sleep)).toBeNull();
    expect(state.reads).toBe(6);
    expect(state.waited.reduce((a, b) => a + b, 0)).toBe(5_000);
  });

  it('does not wait at all when the wait is zero', async () => {
    const { state, read, sleep } = lateObject(100);
    expect(await awaitObject(read, 0, 1_000, sleep)).toBeNull();
    expect(state).toEqual({ reads: 1, waited: [] });
  });
});
