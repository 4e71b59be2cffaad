import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Config } from '../schemas/config';
import type { AuditStore } from '../store/audit-store';
import type { IdentityStore } from '../store/identity-store';
import type { PkiStore } from '../store/pki-store';
import type { LoginAttempts } from '../store/login-attempts';
import type { TokenService } from './auth';
import type { ApiMetrics } from './metrics';

/** A dependency probe: resolves when the dependency answers, rejects otherwise. */
export type Probe = () => Promise<void>;

/** Everything the HTTP app needs, built by the composition root (api/server.ts) or by a test. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  clock: () => Date;
  tokens: TokenService;
  identity: IdentityStore;
  loginAttempts: LoginAttempts;
  audit: AuditStore;
  pki: PkiStore;
  /** How long a personnel-change request waits for its workflow before answering 202 (default 10 s). */
  personnelChangeWaitMs?: number;
  metrics: ApiMetrics;
  probes: { temporal: Probe; nats: Probe; mongo: Probe };
  db?: Db;
  temporal?: Client;
  nats?: NatsConnection;
}
