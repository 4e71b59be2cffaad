import type { CommandStartedEvent, CommandSucceededEvent, CommandFailedEvent, MongoClient } from 'mongodb';

/** Commands that change data: what FerretDB on SQLite serialises. */
const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify']);

interface Row {
  commands: number;
  ms: number;
}

/**
 * Counts the database commands of a run by kind and collection, with the time the driver waited for each (the
 * driver's command monitoring, switched on for the benchmark only): where "the time is in the database" turns into
 * which writes, how many per document, and how long each took.
 */
export class DatabaseProfile {
  private readonly rows = new Map<string, Row>();
  private readonly pending = new Map<number, string>();

  /** `client` must have been created with `monitorCommands=true` (see `withCommandMonitoring`). */
  constructor(client: MongoClient) {
    client.on('commandStarted', (e: CommandStartedEvent) => {
      const target = e.command[e.commandName] as unknown;
      const collection = typeof target === 'string' ? target : '-';
      this.pending.set(e.requestId, `${e.commandName} ${collection}`);
    });
    const done = (e: CommandSucceededEvent | CommandFailedEvent) => {
      const key = this.pending.get(e.requestId);
      if (!key) return;
      this.pending.delete(e.requestId);
      const row = this.rows.get(key) ?? { commands: 0, ms: 0 };
      row.commands++;
      row.ms += e.duration;
      this.rows.set(key, row);
    };
    client.on('commandSucceeded', done);
    client.on('commandFailed', done);
  }

  /** The connection string with command monitoring switched on (off by default: it costs on every command). */
  static withCommandMonitoring(uri: string): string {
    return `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true`;
  }

  reset(): void {
    this.rows.clear();
  }

  /** Writes in the run (inserts, updates, deletes), for "writes per document". */
  writes(): number {
    let n = 0;
    for (const [key, row] of this.rows) if (WRITES.has(key.split(' ')[0]!)) n += row.commands;
    return n;
  }

  /** One line per command and collection, most time first; `documents` turns counts into per-document figures. */
  table(documents: number): string {
    return [...this.rows.entries()]
      .filter(([key]) => !key.startsWith('getMore') && !key.startsWith('hello') && !key.startsWith('ping'))
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 25)
      .map(
        ([key, r]) =>
          `  ${key.padEnd(44)} ${String(r.commands).padStart(6)} (${(r.commands / documents).toFixed(1).padStart(6)}/doc)` +
          ` ${(r.ms / r.commands).toFixed(1).padStart(7)} ms each, ${(r.ms / 1000).toFixed(1).padStart(6)} s in all`,
      )
      .join('\n');
  }
}
