import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { RunningCluster } from '../../scripts/lib/cluster';
import { jetStreamClusterWhole } from '../../scripts/lib/nats-cluster';
import type { Supervisor } from '../../scripts/lib/supervisor';

/**
 * The faults of a chaos run: each is a `kill -9` of one process of the cluster, which its supervisor then starts
 * again (as systemd or Kubernetes would), so the run also exercises supervision.
 */
export type FaultKind = 'nats-leader' | 'nats' | 'worker' | 'api' | 'database';

export interface FaultRecord {
  /** Seconds since the run began. */
  at: number;
  kind: FaultKind;
  target: string;
  detail: string;
  /** Seconds until the supervisor had it running again (undefined: not back before the run looked). */
  backAfter?: number;
}

/**
 * `count` faults: the four kinds the issue names come first in a shuffled order (the NATS one is the stream
 * leader), the rest drawn at random, a NATS node other than the leader among them.
 */
export function planFaults(count: number, random: () => number): FaultKind[] {
  const base: FaultKind[] = ['nats-leader', 'worker', 'api', 'database'];
  for (let i = base.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [base[i], base[j]] = [base[j]!, base[i]!];
  }
  const all: FaultKind[] = ['nats-leader', 'nats', 'worker', 'api', 'database'];
  const plan = base.slice(0, count);
  while (plan.length < count) plan.push(all[Math.floor(random() * all.length)]!);
  return plan;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until every NATS node runs and the JetStream meta leader sees each one current (a node restarted by the last
 * fault has caught up), so a fault never stacks on another.
 */
async function natsSettled(cluster: RunningCluster, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const monitors = cluster.natsPorts.map((p) => p.monitor);
  while (Date.now() < deadline) {
    if (cluster.nats.every((n) => n.current) && (await jetStreamClusterWhole(monitors))) return;
    await sleep(250);
  }
}

/** The node leading the exchange stream (its RAFT group's leader), by the server name `n<i>`. */
async function streamLeader(nats: NatsConnection, stream: string): Promise<number | undefined> {
  try {
    const jsm = await jetstreamManager(nats, { timeout: 3_000 });
    const info = await jsm.streams.info(stream);
    const leader = info.cluster?.leader;
    return leader && /^n\d+$/.test(leader) ? Number(leader.slice(1)) - 1 : undefined;
  } catch {
    return undefined;
  }
}

function pickTarget(
  kind: FaultKind,
  cluster: RunningCluster,
  leader: number | undefined,
  random: () => number,
): Supervisor {
  const any = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  switch (kind) {
    case 'nats-leader':
      return cluster.nats[leader ?? 0]!;
    case 'nats':
      return any(cluster.nats.filter((_, i) => i !== leader));
    case 'worker':
      return any(cluster.workers);
    case 'api':
      return any(cluster.apis);
    case 'database':
      return cluster.ferretdb;
  }
}

/** Kills one process of `kind` with SIGKILL and notes when its supervisor has it running again. */
export async function injectFault(
  kind: FaultKind,
  cluster: RunningCluster,
  nats: NatsConnection,
  stream: string,
  startedAt: number,
  random: () => number,
): Promise<FaultRecord> {
  if (kind === 'nats-leader' || kind === 'nats') await natsSettled(cluster, 60_000);
  const leader = await streamLeader(nats, stream);
  const target = pickTarget(kind, cluster, leader, random);
  // A process between a crash and its restart cannot be killed: wait for it (bounded).
  for (let i = 0; i < 100 && !target.current; i++) await sleep(200);
  const victim = target.current;
  const at = (Date.now() - startedAt) / 1000;
  const role = {
    'nats-leader': leader === undefined ? `; ${stream} had no known leader` : `; leader of ${stream}`,
    nats: `; follower of ${stream}`,
    database: '; FerretDB',
    worker: '',
    api: '',
  }[kind];
  const record: FaultRecord = { at, kind, target: target.name, detail: `kill -9 pid ${victim?.pid}${role}` };
  if (!victim) {
    record.detail = 'not running; skipped';
    return record;
  }
  victim.kill('SIGKILL');
  const killedAt = Date.now();
  for (let i = 0; i < 300; i++) {
    await sleep(100);
    const now = target.current;
    if (now && now !== victim) {
      record.backAfter = (Date.now() - killedAt) / 1000;
      break;
    }
  }
  return record;
}
