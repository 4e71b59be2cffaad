import { z } from 'zod';
import { TASK_QUEUE } from './constants';

const port = z.coerce.number().int().min(1).max(65535);

/**
 * Every setting the services read, with its environment variable and default. Parsed once at a composition root
 * (`workers/`, `api/server.ts`, `cli/`, `scripts/`) and passed down frozen; nothing else reads the environment.
 */
export const EnvSchema = z.object({
  LIENTHONG_DATA_DIR: z.string().default('.data'),
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(8080),
  PUBLIC_BASE_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:17233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default(TASK_QUEUE),
  WORKER_METRICS_PORT: port.default(9464),

  NATS_URL: z.string().default('nats://127.0.0.1:14222'),
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  /** Derives each agency's NATS password (infra/nats-auth.ts); when set, each inbox consumer binds as its agency. */
  NATS_AGENCY_SECRET: z.string().min(16).optional(),
  /**
   * Copies of every JetStream stream, consumer and object store the services create: 1 on a single server (the dev
   * stack), 3 on a three-node cluster (`npm run cluster`, docker-compose). At most the cluster's size; NATS caps it at 5.
   */
  NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),

  MONGODB_URI: z.string().default('mongodb://127.0.0.1:27027/'),
  MONGODB_DB: z.string().default('lienthong'),
  LIENTHONG_SYSTEM_AGENCY: z.string().default('000.00.00.H29'),

  JWT_SECRET: z.string().min(32).optional(),
  JWT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(8 * 3600),
  LIENTHONG_KEYSTORE_PASSPHRASE: z.string().min(12).optional(),

  PKI_RENEWAL_REMINDER_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  PKI_MAINTENANCE_INTERVAL: z.string().default('1 day'),
  PKI_KEY_ALGORITHM: z.enum(['rsa2048', 'rsa3072', 'p256']).default('rsa2048'),
  EXCHANGE_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]{0,32}$/)
    .default(''),
  EXCHANGE_ACK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(900),
  EXCHANGE_MAX_RESENDS: z.coerce.number().int().min(0).max(100).default(3),
  /** PAdES level of exchanged documents: B-LTA (default: time-stamps, /DSS, document time-stamp), B-T or B-B. */
  EXCHANGE_SIGNING_LEVEL: z.enum(['B-B', 'B-T', 'B-LTA']).default('B-LTA'),
  /** An external RFC 3161 TSA for the exchange's time-stamps; by default the province TSA of this stack. */
  EXCHANGE_TSA_URL: z.string().url().optional(),
  /** Seconds per hour of approval-flow deadlines; lower only in tests. */
  EXCHANGE_FLOW_HOUR_SECONDS: z.coerce.number().positive().default(3600),
  /** Days a completed document stays open for recall, update and replacement. */
  EXCHANGE_FOLLOW_UP_DAYS: z.coerce.number().positive().max(3650).default(365),
  EXCHANGE_MAX_DELIVER: z.coerce.number().int().min(1).max(100).default(5),
  EXCHANGE_BACKOFF_MS: z
    .string()
    .regex(/^\d+(,\d+)*$/)
    .default('1000,5000,30000,120000'),
  LOGIN_MAX_PER_USER: z.coerce.number().int().min(1).default(10),
  LOGIN_MAX_PER_IP: z.coerce.number().int().min(1).default(50),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(300),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(60 * 1024 * 1024),
  /**
   * Reverse proxies whose `X-Forwarded-For` / `-Proto` / `-Host` are believed: comma-separated addresses or CIDRs
   * (or proxy-addr's `loopback`, `linklocal`, `uniquelocal`). Empty (the default): no proxy is trusted and the
   * client address is the socket's.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .regex(
      /^$|^(loopback|linklocal|uniquelocal|[0-9A-Fa-f:.]+(\/\d{1,3})?)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9A-Fa-f:.]+(\/\d{1,3})?))*$/,
      'comma-separated proxy addresses or CIDRs, e.g. 10.0.0.5,10.1.0.0/16',
    )
    .default(''),
  /** The national exchange platform's HTTP endpoint that receives our edXML envelopes and statuses (gateway off when unset). */
  EDXML_GATEWAY_URL: z.string().url().optional(),
  /** Bearer token the external system presents to `POST /api/v1/edxml/inbox` (inbox closed when unset). */
  EDXML_INBOX_TOKEN: z.string().min(24).optional(),
  /** PEM file of extra trust anchors for the XMLDSig of incoming edXML (the platform's and ministries' CAs). */
  EDXML_TRUST_ANCHORS: z.string().optional(),
  /** Milliseconds one POST to the platform may take before it counts as a transient failure. */
  EDXML_GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** Bearer token that, besides a province administrator's JWT, may run `GET /healthz?deep=true`. */
  METRICS_TOKEN: z.string().min(24).optional(),
});
export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  readonly dataDir: string;
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly publicBaseUrl: string;
    readonly bodyLimit: number;
    /** Proxy addresses/CIDRs trusted for X-Forwarded-*; empty trusts none. */
    readonly trustProxy: readonly string[];
    /** Token for the deep health check by monitoring (no JWT); unset: only the province administrator. */
    readonly metricsToken?: string;
  };
  readonly logLevel: Env['LOG_LEVEL'];
  readonly temporal: { readonly address: string; readonly namespace: string; readonly taskQueue: string };
  readonly workerMetricsPort: number;
  readonly nats: {
    readonly url: string;
    readonly user?: string;
    readonly password?: string;
    /** Secret the per-agency NATS passwords derive from; absent: consumers use the service connection. */
    readonly agencySecret?: string;
    /** Copies of each stream, consumer and object store (NATS_REPLICAS). */
    readonly replicas: number;
  };
  readonly mongo: { readonly uri: string; readonly db: string };
  readonly auth: {
    readonly jwtSecret: string;
    readonly jwtTtlSeconds: number;
    readonly login: {
      readonly maxPerUser: number;
      readonly maxPerIp: number;
      readonly windowSeconds: number;
    };
  };
  readonly keystorePassphrase?: string;
  readonly pki: {
    readonly renewalReminderDays: number;
    readonly maintenanceInterval: string;
    readonly keyAlgorithm: 'rsa2048' | 'rsa3072' | 'p256';
  };
  readonly exchange: {
    /** Separates deployments sharing one NATS server (stream, subjects, bucket); empty for the default names. */
    readonly namespace: string;
    /** Resend to a recipient when no `01` arrives within this time (reception awareness). */
    readonly ackTimeoutSeconds: number;
    readonly maxResends: number;
    /** PAdES level of exchanged documents and where their time-stamps come from (see LongTermSigning). */
    readonly signing: { readonly level: 'B-B' | 'B-T' | 'B-LTA'; readonly tsaUrl?: string };
    /** Seconds per hour of approval-flow deadlines and reminders (3600; tests use 1). */
    readonly flowHourSeconds: number;
    /** Days a completed document (and, twice as long, a completed received copy) stays open for recall, update
     * and replacement. */
    readonly followUpDays: number;
    /** Deliveries of one NATS message before it is dead-lettered, and the redelivery delays. */
    readonly maxDeliver: number;
    readonly backoffMs: readonly number[];
  };
  /** The edXML gateway to the national exchange platform (README "Exchange with the national platform"). */
  readonly edxml: {
    readonly gatewayUrl?: string;
    readonly inboxToken?: string;
    /** Path of a PEM file with extra XMLDSig trust anchors (read by the composition root). */
    readonly trustAnchorsFile?: string;
    readonly gatewayTimeoutMs: number;
  };
  /** Agency code under which system events (smoke checks, CA operations) are chained. */
  readonly systemAgency: string;
}

/**
 * Builds the frozen Config from an environment record. Secrets given as `NAME_FILE` are read by the caller
 * (see `resolveFileSecrets`) before this pure function runs.
 * @throws ZodError naming each invalid variable.
 */
export function parseConfig(env: Record<string, string | undefined>, fallbackJwtSecret: string): Config {
  const e = EnvSchema.parse(env);
  const publicBaseUrl = e.PUBLIC_BASE_URL ?? `http://${e.HOST}:${e.PORT}`;
  return Object.freeze({
    dataDir: e.LIENTHONG_DATA_DIR,
    http: Object.freeze({
      host: e.HOST,
      port: e.PORT,
      publicBaseUrl,
      bodyLimit: e.BODY_LIMIT_BYTES,
      trustProxy: Object.freeze(
        e.TRUST_PROXY.split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
      metricsToken: e.METRICS_TOKEN,
    }),
    logLevel: e.LOG_LEVEL,
    temporal: Object.freeze({
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
    }),
    workerMetricsPort: e.WORKER_METRICS_PORT,
    nats: Object.freeze({
      url: e.NATS_URL,
      user: e.NATS_USER,
      password: e.NATS_PASSWORD,
      agencySecret: e.NATS_AGENCY_SECRET,
      replicas: e.NATS_REPLICAS,
    }),
    mongo: Object.freeze({ uri: e.MONGODB_URI, db: e.MONGODB_DB }),
    auth: Object.freeze({
      jwtSecret: e.JWT_SECRET ?? fallbackJwtSecret,
      jwtTtlSeconds: e.JWT_TTL_SECONDS,
      login: Object.freeze({
        maxPerUser: e.LOGIN_MAX_PER_USER,
        maxPerIp: e.LOGIN_MAX_PER_IP,
        windowSeconds: e.LOGIN_WINDOW_SECONDS,
      }),
    }),
    keystorePassphrase: e.LIENTHONG_KEYSTORE_PASSPHRASE,
    pki: Object.freeze({
      renewalReminderDays: e.PKI_RENEWAL_REMINDER_DAYS,
      maintenanceInterval: e.PKI_MAINTENANCE_INTERVAL,
      keyAlgorithm: e.PKI_KEY_ALGORITHM,
    }),
    exchange: Object.freeze({
      namespace: e.EXCHANGE_NAMESPACE,
      ackTimeoutSeconds: e.EXCHANGE_ACK_TIMEOUT_SECONDS,
      maxResends: e.EXCHANGE_MAX_RESENDS,
      signing: Object.freeze({ level: e.EXCHANGE_SIGNING_LEVEL, tsaUrl: e.EXCHANGE_TSA_URL }),
      flowHourSeconds: e.EXCHANGE_FLOW_HOUR_SECONDS,
      followUpDays: e.EXCHANGE_FOLLOW_UP_DAYS,
      maxDeliver: e.EXCHANGE_MAX_DELIVER,
      backoffMs: Object.freeze(e.EXCHANGE_BACKOFF_MS.split(',').map(Number)),
    }),
    edxml: Object.freeze({
      gatewayUrl: e.EDXML_GATEWAY_URL,
      inboxToken: e.EDXML_INBOX_TOKEN,
      trustAnchorsFile: e.EDXML_TRUST_ANCHORS,
      gatewayTimeoutMs: e.EDXML_GATEWAY_TIMEOUT_MS,
    }),
    systemAgency: e.LIENTHONG_SYSTEM_AGENCY,
  });
}
