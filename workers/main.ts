import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { connectMongo, ensureIndexes } from '../infra/mongo';
import { connectNats } from '../infra/nats';
import { createLogger } from '../infra/logger';
import { loadConfig } from '../infra/env-config';
import { installTemporalRuntimeLogger } from '../infra/temporal-logger';
import { AuditStore } from '../store/audit-store';
import { pkiStoreFromConfig } from '../store/pki-store';
import { DEFAULT_RENEWAL_WINDOW_DAYS } from '../pki/tsa/archive-policy';
import { createLienthongWorker, serveMetrics } from './worker';

/** Composition root of the worker process: config, connections, activities, Worker.run, clean shutdown. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, 'worker');
  installTemporalRuntimeLogger(logger);

  const mongo = await connectMongo(config.mongo.uri, config.mongo.db);
  await ensureIndexes(mongo.db);
  const nats = await connectNats({ ...config.nats, name: 'lienthong-worker' });
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
      natsReplicas: config.nats.replicas,
      longTerm: config.exchange.signing,
      clock: () => new Date(),
      systemAgency: config.systemAgency,
      renewalReminderDays: config.pki.renewalReminderDays,
    },
    logger,
  );
  const metricsServer = serveMetrics(handle.metrics, config.http.host, config.workerMetricsPort);
  // One CA housekeeping run per namespace; a second worker finds it already running.
  const client = new Client({
    connection: await Connection.connect({ address: config.temporal.address }),
    namespace: config.temporal.namespace,
  });
  await client.workflow.start('pkiMaintenanceWorkflow', {
    workflowId: 'pki-maintenance',
    taskQueue: config.temporal.taskQueue,
    args: [{ interval: config.pki.maintenanceInterval }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  // Archive time-stamp renewal, daily, one instance per namespace (README, Long-term validity).
  await client.workflow.start('archiveRenewalWorkflow', {
    workflowId: 'archive-renewal',
    taskQueue: config.temporal.taskQueue,
    args: [{ interval: '1 day', windowDays: DEFAULT_RENEWAL_WINDOW_DAYS, pageSize: 50 }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  await client.connection.close();
  logger.info({ metricsPort: config.workerMetricsPort }, 'worker running');
  // Started by `npm start` with an IPC channel: its closing means the parent died without stopping us.
  process.on('disconnect', () => void handle.shutdown());
  try {
    // Worker.run() resolves after SIGINT/SIGTERM once in-flight tasks finish.
    await handle.run();
  } finally {
    metricsServer.close();
    await connection.close();
    await nats.drain().catch(() => undefined);
    await mongo.close();
    logger.info('worker stopped');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`lienthong worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
