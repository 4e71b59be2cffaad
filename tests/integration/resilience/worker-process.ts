import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../../infra/env-config';
import { createLogger } from '../../../infra/logger';
import { connectMongo } from '../../../infra/mongo';
import { connectNats } from '../../../infra/nats';
import { installTemporalRuntimeLogger } from '../../../infra/temporal-logger';
import { AuditStore } from '../../../store/audit-store';
import { pkiStoreFromConfig } from '../../../store/pki-store';
import { createLienthongWorker } from '../../../workers/worker';

/**
 * The lienthong worker as its own process, built as workers/main.ts builds it (without metrics or CA housekeeping),
 * so a resilience test can SIGKILL it and start it again. Prints `ready` on stdout once the worker polls.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, 'resilience-worker');
  installTemporalRuntimeLogger(logger);
  const mongo = await connectMongo(config.mongo.uri, config.mongo.db);
  const nats = await connectNats({ ...config.nats, name: 'lienthong-resilience-worker' });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const handle = await createLienthongWorker(
    config,
    connection,
    {
      nats,
      audit: new AuditStore(mongo.db),
      pki: pkiStoreFromConfig(mongo.db, config),
      db: mongo.db,
      exchangeNamespace: config.exchange.namespace,
      longTerm: config.exchange.signing,
      clock: () => new Date(),
      systemAgency: config.systemAgency,
      renewalReminderDays: config.pki.renewalReminderDays,
    },
    logger,
  );
  const running = handle.run();
  process.stdout.write('ready\n');
  try {
    await running;
  } finally {
    await connection.close();
    await nats.drain().catch(() => undefined);
    await mongo.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`resilience worker: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
