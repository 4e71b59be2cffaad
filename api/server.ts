import { createLogger } from '../infra/logger';
import { loadConfig } from '../infra/env-config';
import { buildApp } from './app';
import { connectAppDeps } from './connect';
import { startAppExchangeConsumers } from './inbox-consumer';

/** Composition root of the API process: config from the environment, connect, listen, stop on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, 'api');
  const { deps, close } = await connectAppDeps(config, logger);
  const app = await buildApp(deps);
  await app.listen({ host: config.http.host, port: config.http.port });
  // The agencies' JetStream consumers: inbox messages start received-document workflows, statuses signal senders.
  const consumers = await startAppExchangeConsumers(deps, config, logger);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'api stopping');
    await consumers.stop();
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
