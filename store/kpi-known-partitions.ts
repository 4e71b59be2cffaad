import { perDatabase } from './per-database';

/** Index entries remembered per process at most; the oldest are forgotten first. */
const KNOWN_PARTITIONS = 200_000;

/**
 * Item id → day partition, as this process read or wrote the open-item index. The index is insert-only, so an entry
 * never changes while the layout stands; `findItem` still asks the index when an item is not where this says.
 */
export class KnownPartitions {
  private readonly byId = new Map<string, string>();
  get(id: string): string | undefined {
    return this.byId.get(id);
  }
  remember(id: string, day: string): void {
    this.byId.delete(id);
    this.byId.set(id, day);
    if (this.byId.size > KNOWN_PARTITIONS) this.byId.delete(this.byId.keys().next().value!);
  }
  forgetAll(): void {
    this.byId.clear();
  }
}

export const knownPartitionsOf = perDatabase(() => new KnownPartitions());
