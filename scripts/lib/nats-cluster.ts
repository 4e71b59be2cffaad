import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface NatsNodePorts {
  client: number;
  cluster: number;
  monitor: number;
}

/**
 * The configuration of node `index` (0-based) of a JetStream cluster on loopback: its own store directory, a route
 * to every node (itself included, which nats-server ignores), and fsync before every acknowledgement.
 */
export function natsNodeConfig(
  index: number,
  nodes: readonly NatsNodePorts[],
  storeDir: string,
  syncInterval = 'always',
): string {
  const me = nodes[index]!;
  return [
    `server_name: n${index + 1}`,
    `listen: 127.0.0.1:${me.client}`,
    `http: 127.0.0.1:${me.monitor}`,
    `max_payload: 1MB`,
    `jetstream {`,
    `  store_dir: ${JSON.stringify(storeDir)}`,
    `  sync_interval: ${syncInterval}`,
    `}`,
    `cluster {`,
    `  name: lienthong`,
    `  listen: 127.0.0.1:${me.cluster}`,
    `  routes: [`,
    ...nodes.map((n) => `    nats-route://127.0.0.1:${n.cluster}`),
    `  ]`,
    `}`,
    '',
  ].join('\n');
}

/** Writes each node's configuration under `dir/n<i>/` and returns the file paths. */
export function writeNatsClusterConfigs(
  dir: string,
  nodes: readonly NatsNodePorts[],
  syncInterval?: string,
): string[] {
  return nodes.map((_, i) => {
    const nodeDir = join(dir, `n${i + 1}`);
    mkdirSync(nodeDir, { recursive: true });
    const file = join(nodeDir, 'nats.conf');
    writeFileSync(file, natsNodeConfig(i, nodes, join(nodeDir, 'jetstream'), syncInterval));
    return file;
  });
}

interface MetaPeer {
  name?: string;
  current?: boolean;
  offline?: boolean;
}

/** What node `monitorPort` reports of the JetStream meta group (/jsz), or undefined when it does not answer. */
async function jetStreamMeta(
  monitorPort: number,
): Promise<{ leader?: string; clusterSize?: number; replicas?: MetaPeer[] } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/jsz`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as {
      meta_cluster?: { leader?: string; cluster_size?: number; replicas?: MetaPeer[] };
    };
    const meta = body.meta_cluster;
    return (
      meta && { leader: meta.leader || undefined, clusterSize: meta.cluster_size, replicas: meta.replicas }
    );
  } catch {
    return undefined;
  }
}

/**
 * Whether the meta leader, asked on its own monitor port, counts `nodes` members and sees every other one current
 * and online. Only the leader reports its peers; a leader elected by a quorum of two may not yet know the third, and
 * a stream with as many copies as nodes is refused until it does ("no suitable peers for placement").
 */
async function allPeersCurrent(monitorPort: number, nodes: number): Promise<boolean> {
  const meta = await jetStreamMeta(monitorPort);
  const peers = meta?.replicas ?? [];
  return (
    meta?.clusterSize === nodes &&
    peers.length === nodes - 1 &&
    peers.every((p) => p.current === true && p.offline !== true)
  );
}

/**
 * The meta leader's server name when it sees every node current, else undefined. `monitorPorts[i]` is node
 * `n<i+1>`'s.
 */
export async function jetStreamClusterWhole(monitorPorts: readonly number[]): Promise<string | undefined> {
  const leader = await firstLeader(monitorPorts);
  const leaderPort = leader && /^n\d+$/.test(leader) ? monitorPorts[Number(leader.slice(1)) - 1] : undefined;
  if (leaderPort === undefined || !(await allPeersCurrent(leaderPort, monitorPorts.length))) return undefined;
  return leader;
}

/**
 * Waits until a meta leader is elected and sees every node current, so the cluster accepts streams with a copy on
 * each node; throws after `timeoutMs`.
 */
export async function waitForJetStreamCluster(
  monitorPorts: readonly number[],
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const leader = await jetStreamClusterWhole(monitorPorts);
    if (leader) return leader;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `the NATS cluster elected no JetStream leader seeing all ${monitorPorts.length} nodes within ${timeoutMs / 1000} s`,
  );
}

/** The meta leader's server name as the first node that knows one reports it. */
async function firstLeader(monitorPorts: readonly number[]): Promise<string | undefined> {
  for (const port of monitorPorts) {
    const leader = (await jetStreamMeta(port))?.leader;
    if (leader) return leader;
  }
  return undefined;
}
