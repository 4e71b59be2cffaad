const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface InboxItem {
  id: string;
  statusCode: string;
}

/**
 * Each recipient's clerk watches the agency's inbox list (newest first), as the workspace page shows it, and takes
 * up every document that arrived verified (01) or was refused (02): one request per agency every `pollMs`, however
 * many documents it waits for. Polling each awaited document on its own made the drivers the run's largest database
 * load (111 reads of incoming documents per document with ten recipients, four commands a poll), load no clerk
 * makes, which slowed the system being measured.
 */
export class InboxWatch {
  private readonly waiting = new Map<string, Map<string, (item: InboxItem) => void>>();

  constructor(
    private readonly list: (agency: string) => Promise<InboxItem[] | undefined>,
    private readonly pollMs: number,
  ) {}

  /** The inbox item `inboxId` of `agency` once its status is 01 or 02. */
  arrival(agency: string, inboxId: string, deadline: number): Promise<InboxItem> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.waiting.get(agency)?.delete(inboxId);
          reject(new Error(`${inboxId}: no 01 at ${agency} by the document's deadline`));
        },
        Math.max(0, deadline - performance.now()),
      );
      const done = (item: InboxItem) => {
        clearTimeout(timer);
        resolve(item);
      };
      const waiters = this.waiting.get(agency);
      if (waiters) waiters.set(inboxId, done);
      else {
        this.waiting.set(agency, new Map([[inboxId, done]]));
        void this.watch(agency);
      }
    });
  }

  private async watch(agency: string): Promise<void> {
    for (;;) {
      const waiters = this.waiting.get(agency)!;
      if (waiters.size === 0) {
        this.waiting.delete(agency);
        return;
      }
      const items = await this.list(agency).catch(() => undefined);
      for (const item of items ?? []) {
        const done = waiters.get(item.id);
        if (done && (item.statusCode === '01' || item.statusCode === '02')) {
          waiters.delete(item.id);
          done(item);
        }
      }
      await sleep(this.pollMs);
    }
  }
}
