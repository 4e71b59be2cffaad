/**
 * Runs tasks with at most `limit` in flight, and those sharing a key one after another in the order they were
 * given. A message consumer uses it to handle unrelated messages side by side while the messages of one document
 * (or one sender) keep their order.
 */
export class KeyedLanes {
  /** Tail of each key's chain; removed when the key's last task ends. */
  private readonly tails = new Map<string, Promise<void>>();
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('KeyedLanes needs a limit of at least 1');
  }

  /** Tasks started and not yet finished (queued behind their key included). */
  get size(): number {
    return this.inFlight;
  }

  /**
   * Waits for a free slot, then queues `task` behind the earlier tasks of `key` and returns at once (the task runs
   * later). `task` must not throw: its errors are the caller's to handle inside it.
   */
  async add(key: string, task: () => Promise<void>): Promise<void> {
    while (this.inFlight >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.then(task).catch(() => undefined);
    this.tails.set(key, run);
    void run.finally(() => {
      if (this.tails.get(key) === run) this.tails.delete(key);
      this.inFlight--;
      this.waiting.shift()?.();
      if (this.inFlight === 0) for (const idle of this.idleWaiters.splice(0)) idle();
    });
  }

  /** Resolves when every task given so far has finished. */
  async idle(): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }
}
