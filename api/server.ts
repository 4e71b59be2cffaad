import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { createLogger } from '../infra/logger';
import { vnDay } from '../kpi/period';
import { KpiStore } from '../store/kpi-store';
import { loadConfig } from '../infra/env-config';
import { buildApp } from './app';
import { connectAppDeps } from './connect';
import { startAppEdxmlGateway } from './edxml-gateway';
import { startAppExchangeConsumers } from './inbox-consumer';

/**
 * The KPI read model loads the settled partitions of a period on its first query (seconds at a province-year on
 * FerretDB): load this year's now, in the background, so the first leader to open the dashboard does not wait.
 */
function warmKpiReadModel(db: Db, logger: Logger): void {
  const today = vnDay(new Date());
  const kpis = new KpiStore(db);
  const started = Date.now();
  Promise.all([kpis.dayCounters({ from: `${today.slice(0, 4)}-01-01`, to: today }), kpis.openItems()])
    .then(() => logger.info({ ms: Date.now() - started }, 'KPI read model loaded'))
    .catch((err: unknown) =>
      logger.warn({ err }, 'KPI read model warm-up failed; the first query will load it'),
    );
}

/** Composition root of the API process: config from the environment, connect, listen, stop on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, 'api');
  const { deps, close } = await connectAppDeps(config, logger);
  const app = await buildApp(deps);
  await app.listen({ host: config.http.host, port: config.http.port });
  // The agencies' JetStream consumers: inbox messages start received-document workflows, statuses signal senders.
  const consumers = await startAppExchangeConsumers(deps, config, logger);
  // Agencies outside the province, through the national platform (only when EDXML_GATEWAY_URL is set).
  const gateway = await startAppEdxmlGateway(deps, config, logger);
  warmKpiReadModel(deps.db!, logger);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'api stopping');
    await consumers.stop();
    await gateway?.stop();
    await app.close();
    await close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // Started by `npm start` with an IPC channel: its closing means the parent died without stopping us.
  process.on('disconnect', () => void stop('parent exited'));
}

main().catch((err: unknown) => {
  process.stderr.write(`lienthong api: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
