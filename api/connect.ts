import { jetstreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { connectMongo, ensureIndexes } from '../infra/mongo';
import { connectNats } from '../infra/nats';
import { connectTemporal } from '../infra/temporal';
import type { Config } from '../schemas/config';
import { AuditStore } from '../store/audit-store';
import { IdentityStore } from '../store/identity-store';
import { LoginAttempts } from '../store/login-attempts';
import { pkiStoreFromConfig } from '../store/pki-store';
import { KpiStore } from '../store/kpi-store';
import { PaperDocumentStore } from '../store/paper-document-store';
import { TokenService } from './auth';
import type { AppDeps } from './deps';
import { createApiMetrics } from './metrics';

/**
 * Connects the API's clients and builds its dependencies. Connections are made eagerly but the API still starts
 * when Temporal is down (health then reports it), so operators can see what is wrong.
 */
export async function connectAppDeps(
  config: Config,
  logger: Logger,
): Promise<{ deps: AppDeps; close: () => Promise<void> }> {
  const mongo = await connectMongo(config.mongo.uri, config.mongo.db);
  await ensureIndexes(mongo.db);
  await new KpiStore(mongo.db).ensureIndexes();
  await new PaperDocumentStore(mongo.db).ensureIndexes();
  const nats = await connectNats({ ...config.nats, name: 'lienthong-api' });
  const temporal = await connectTemporal(config.temporal.address, config.temporal.namespace);

  const metrics = createApiMetrics(async (status) => {
    const { count } = await temporal.client.workflow.count(`ExecutionStatus = "${status}"`);
    return count;
  });

  const deps: AppDeps = {
    config,
    logger,
    clock: () => new Date(),
    tokens: new TokenService(config.auth.jwtSecret, config.auth.jwtTtlSeconds),
    identity: new IdentityStore(mongo.db),
    loginAttempts: new LoginAttempts(mongo.db, config.auth.login.windowSeconds),
    audit: new AuditStore(mongo.db),
    pki: pkiStoreFromConfig(mongo.db, config),
    metrics,
    db: mongo.db,
    temporal: temporal.client,
    nats,
    probes: {
      mongo: async () => {
        await mongo.db.command({ ping: 1 });
      },
      nats: async () => {
        if (nats.isClosed()) throw new Error('connection closed');
        await nats.flush();
        const jsm = await jetstreamManager(nats, { timeout: 2_000 });
        await jsm.getAccountInfo();
      },
      temporal: async () => {
        await temporal.connection.workflowService.getSystemInfo({});
      },
    },
  };
  return {
    deps,
    close: async () => {
      await temporal.close();
      await nats.drain().catch(() => undefined);
      await mongo.close();
    },
  };
}
