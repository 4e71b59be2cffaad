import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds used so far by every process of the machine, summed by command name (Linux /proc; empty elsewhere). */
export function cpuByCommand(): Map<string, number> {
  const ticksPerSecond = 100; // USER_HZ, 100 on every Linux this runs on
  const totals = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return totals;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    totals.set(comm, (totals.get(comm) ?? 0) + ticks / ticksPerSecond);
  }
  return totals;
}

/**
 * CPU seconds each command used between two snapshots, largest first. Processes that ended in between are missing
 * from the second snapshot, so only commands still running count (the stack's servers run throughout a phase).
 */
export function cpuBetween(before: Map<string, number>, after: Map<string, number>): [string, number][] {
  return [...after]
    .map(([comm, s]): [string, number] => [comm, s - (before.get(comm) ?? 0)])
    .filter(([, s]) => s > 0.05)
    .sort((a, b) => b[1] - a[1]);
}
