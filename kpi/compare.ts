import type { OpenItem } from './event-effects';

/**
 * The comparable content of a KPI state: counters per `agency|day` and per `agency|month` (the rollup), and open
 * items by id.
 */
export interface KpiSnapshot {
  days: Map<string, Record<string, number>>;
  months: Map<string, Record<string, number>>;
  open: Map<string, OpenItem>;
}

function normaliseCounters(c: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(c).sort()) if (c[k] !== 0) out[k] = c[k];
  return out;
}

function normaliseItem(item: OpenItem): string {
  return JSON.stringify({
    id: item.id,
    kind: item.kind,
    agency: item.agency,
    documentId: item.documentId,
    since: item.since,
    from: item.from ?? null,
    pending: item.pending ? [...item.pending].sort() : null,
  });
}

/**
 * Differences between two KPI states (e.g. the incremental counters and a rebuild from the audit trail), as
 * human-readable lines; empty when they are equal.
 */
export function diffSnapshots(expected: KpiSnapshot, actual: KpiSnapshot, limit = 50): string[] {
  const out: string[] = [];
  for (const which of ['days', 'months'] as const) {
    const keys = new Set([...expected[which].keys(), ...actual[which].keys()]);
    for (const key of [...keys].sort()) {
      const a = normaliseCounters(expected[which].get(key) ?? {});
      const b = normaliseCounters(actual[which].get(key) ?? {});
      for (const dim of new Set([...Object.keys(a), ...Object.keys(b)]))
        if ((a[dim] ?? 0) !== (b[dim] ?? 0))
          out.push(`${key} ${dim}: expected ${a[dim] ?? 0}, got ${b[dim] ?? 0}`);
    }
  }
  const ids = new Set([...expected.open.keys(), ...actual.open.keys()]);
  for (const id of [...ids].sort()) {
    const a = expected.open.get(id);
    const b = actual.open.get(id);
    if (!a || !b) out.push(`open item ${id}: ${a ? 'missing' : 'unexpected'}`);
    else if (normaliseItem(a) !== normaliseItem(b)) out.push(`open item ${id} differs`);
  }
  return out.slice(0, limit);
}
