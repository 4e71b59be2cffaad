import { resolve } from 'node:path';
import { projectRoot } from '../../infra/project-root';
import { startCluster, type RunningCluster } from './cluster';
import { ensurePostgresqlDatabase, localPostgresqlAnswers } from './postgresql';
import { portInUse } from './stack';
import { ensureTools } from './tools';

/**
 * `npm run cluster` (or `npm start -- --cluster`): the clustered stack on this machine, under
 * LIENTHONG_DATA_DIR/cluster (default .data/cluster), the proxy on PORT (default 8080). FerretDB uses the local
 * PostgreSQL (database `lienthong_cluster`) when it answers, otherwise SQLite; LIENTHONG_CLUSTER_DATABASE=sqlite
 * forces SQLite. Ctrl-C stops everything; a process that keeps crashing stops everything too.
 */
export async function runClusterCommand(say: (line: string) => void): Promise<void> {
  const started = Date.now();
  const env = process.env;
  const dataDir = resolve(env.LIENTHONG_DATA_DIR ?? resolve(projectRoot(), '.data'), 'cluster');
  const port = Number(env.PORT ?? 8080);
  if (await portInUse(port))
    throw new Error(`proxy: port ${port} is already in use. Stop what uses it or set PORT to another port.`);
  const tools = ensureTools(env, say);
  const usePostgresql = env.LIENTHONG_CLUSTER_DATABASE !== 'sqlite' && localPostgresqlAnswers();
  const postgresqlUrl = usePostgresql ? ensurePostgresqlDatabase('lienthong_cluster') : undefined;

  let cluster: RunningCluster | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    await cluster?.stop();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  try {
    cluster = await startCluster({
      tools,
      dataDir,
      env: { ...env, NATS_REPLICAS: env.NATS_REPLICAS ?? '3' },
      proxyPort: port,
      postgresqlUrl,
      temporalUi: true,
      log: say,
      onGiveUp: () => void shutdown(1),
    });
  } catch (err) {
    say(`error: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
    return;
  }
  const base = cluster.proxyUrl;
  say(`cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s (data and logs under ${dataDir})`);
  say(`API (round robin) ${base}/api/v1   health ${base}/healthz`);
  say(`API instances     ${cluster.apiPorts.map((p) => `http://127.0.0.1:${p}`).join('  ')}`);
  say(`NATS cluster      ${cluster.natsUrl}   (replicas ${cluster.childEnv.NATS_REPLICAS})`);
  say(
    `MongoDB API       ${cluster.mongoUri} (FerretDB on ${postgresqlUrl ? 'PostgreSQL lienthong_cluster' : 'SQLite'})`,
  );
  say(
    `Temporal          ${cluster.temporalAddress}${cluster.temporalUiUrl ? `   UI ${cluster.temporalUiUrl}` : ''}`,
  );
  say(`workers           ${cluster.workers.length}, supervised; logs in ${dataDir}/logs`);
  say('Ctrl-C stops everything');
}
