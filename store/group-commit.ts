/**
 * Group commit: writes of one key from this process go to the database one batch at a time, and everything that
 * arrives while a batch is in flight goes together in the next one.
 *
 * Why: a key whose writes must be ordered (an agency's audit chain, one counter document) can take only one write
 * per database round trip. When a round trip costs 100–300 ms (FerretDB on SQLite under load: one writer at a
 * time), one write per item caps the key at a few items per second however many wait; one write per batch keeps
 * the cost per round trip and lets the batch grow with the load.
 */
export class GroupCommit<I, O> {
  private readonly queues = new Map<
    string,
    { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[]
  >();
  private readonly flushing = new Set<string>();

  /**
   * @param commit writes one batch of a key (in arrival order) and returns one result per item, in order; when it
   *   throws, every item of the batch fails with that error.
   * @param maxBatch the most items one commit receives.
   */
  constructor(
    private readonly commit: (key: string, items: I[]) => Promise<O[]>,
    private readonly maxBatch = 200,
  ) {}

  submit(key: string, item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const queue = this.queues.get(key) ?? [];
      queue.push({ item, resolve, reject });
      this.queues.set(key, queue);
      if (!this.flushing.has(key)) void this.flush(key);
    });
  }

  private async flush(key: string): Promise<void> {
    this.flushing.add(key);
    try {
      for (;;) {
        const queue = this.queues.get(key);
        if (!queue || queue.length === 0) break;
        const batch = queue.splice(0, this.maxBatch);
        try {
          const results = await this.commit(
            key,
            batch.map((w) => w.item),
          );
          batch.forEach((w, i) => w.resolve(results[i]!));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.queues.delete(key);
      this.flushing.delete(key);
    }
  }
}

const commitsByDb = new WeakMap<object, Map<string, GroupCommit<never, unknown>>>();

/**
 * The group commit named `name` of one database in this process, created with `commit` on first use: every store
 * object of that database shares it, as they share the database's document locks.
 */
export function groupCommitOf<I, O>(
  db: object,
  name: string,
  commit: (key: string, items: I[]) => Promise<O[]>,
): GroupCommit<I, O> {
  let byName = commitsByDb.get(db);
  if (!byName) {
    byName = new Map();
    commitsByDb.set(db, byName);
  }
  let group = byName.get(name) as GroupCommit<I, O> | undefined;
  if (!group) {
    group = new GroupCommit(commit);
    byName.set(name, group as unknown as GroupCommit<never, unknown>);
  }
  return group;
}
