import { GroupCommit } from '../../../store/group-commit';

/** A commit whose batches the test releases by hand, recording what each batch held. */
function controlledCommit() {
  const batches: { key: string; items: number[]; release: (fail?: Error) => void }[] = [];
  const commit = (key: string, items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({
        key,
        items,
        release: (fail) => (fail ? reject(fail) : resolve(items.map((i) => `${key}:${i}`))),
      });
    });
  return { batches, commit };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('group commit', () => {
  it('sends what arrives during a write as the next batch, in order, each caller getting its own result', async () => {
    const { batches, commit } = controlledCommit();
    const group = new GroupCommit(commit);
    const first = group.submit('a', 1);
    const rest = [2, 3, 4].map((i) => group.submit('a', i));
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1]]);
    batches[0]!.release();
    expect(await first).toBe('a:1');
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    batches[1]!.release();
    expect(await Promise.all(rest)).toEqual(['a:2', 'a:3', 'a:4']);
  });

  it('writes different keys side by side', async () => {
    const { batches, commit } = controlledCommit();
    const group = new GroupCommit(commit);
    const a = group.submit('a', 1);
    const b = group.submit('b', 1);
    await tick();
    expect(batches.map((x) => x.key)).toEqual(['a', 'b']);
    batches.forEach((x) => x.release());
    expect(await Promise.all([a, b])).toEqual(['a:1', 'b:1']);
  });

  it('fails only the batch whose write failed, and goes on with the next', async () => {
    const { batches, commit } = controlledCommit();
    const group = new GroupCommit(commit);
    const first = group.submit('a', 1);
    const second = group.submit('a', 2);
    await tick();
    batches[0]!.release(new Error('disk full'));
    await expect(first).rejects.toThrow('disk full');
    await tick();
    batches[1]!.release();
    expect(await second).toBe('a:2');
  });

  it('never hands a commit more than its batch limit', async () => {
    const { batches, commit } = controlledCommit();
    const group = new GroupCommit(commit, 2);
    const all = [1, 2, 3, 4, 5].map((i) => group.submit('a', i));
    for (let i = 0; i < 3; i++) {
      await tick();
      batches[i]!.release();
    }
    expect(await Promise.all(all)).toHaveLength(5);
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3], [4, 5]]);
  });
});
