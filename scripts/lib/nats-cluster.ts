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

/** The JetStream meta leader's server name as node `monitor` sees it, or undefined while there is none. */
export async function jetStreamMetaLeader(monitorPort: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/jsz`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { meta_cluster?: { leader?: string; cluster_size?: number } };
    return body.meta_cluster?.leader || undefined;
  } catch {
    return undefined;
  }
}

/** Waits until a meta leader is elected (the cluster accepts stream operations); throws after `timeoutMs`. */
export async function waitForMetaLeader(monitorPorts: readonly number[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const port of monitorPorts) {
      const leader = await jetStreamMetaLeader(port);
      if (leader) return leader;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the NATS cluster elected no JetStream leader within ${timeoutMs / 1000} s`);
}
