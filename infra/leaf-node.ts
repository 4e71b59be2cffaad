import { createHmac } from 'node:crypto';
import { StorageType, jetstreamManager, type StreamSource } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_EXCHANGE_NAMES, agencyToken, type ExchangeNames } from '../schemas/edxml';
import { documentBucket, ensureExchangeTopology, type ExchangeTopologyOptions } from './exchange-nats';

/**
 * A commune's NATS leaf node ("máy chủ NATS tại xã"): a nats-server on the commune's premises, in its own JetStream
 * domain, linked to the province cluster (the hub) by a leaf connection that may drop for hours.
 *
 * Topology (the minimal one that keeps every guarantee of the exchange across an outage):
 * - Outgoing. The commune's own processes publish to their LOCAL server, into a local stream of the same name and
 *   subjects as the province's exchange stream (`LIENTHONG_EXCHANGE` over `lienthong.exchange.>`) and a local
 *   documents Object Store bucket of the same name. So the project's publish code (`dispatchToRecipient`,
 *   `sendStatus`) runs unchanged against the leaf, and a publish gets a local JetStream ack whether or not the link
 *   is up. The province's stream and bucket each *source* the commune's (`external.api = $JS.<commune>.API`): the
 *   hub's source consumer remembers the last commune sequence it copied, so after an outage it resumes there and
 *   copies the queue in the commune's order. Retries are deduplicated by the commune's own stream (Nats-Msg-Id),
 *   so a message reaches the province once. The commune's processes must publish ONLY through their node: before
 *   nats-server 2.14 a sourced message whose Nats-Msg-Id the province already holds is retried, not skipped, and
 *   holds back the commune's queue behind it (nats-io/nats-server#4459; see README).
 * - Incoming. A local stream `<stream>_INBOX` sources the province's exchange stream filtered on the commune's own
 *   subjects (`lienthong.exchange.<commune>.>`: documents for it and statuses of what it sent), so the commune
 *   reads its inbox locally, in the province's order, including what arrived while it was cut off.
 * - The leaf connection neither exports nor imports the exchange, dead-letter and documents subjects
 *   (`leafDeniedSubjects`): without that, a local publish would reach the province's stream twice (directly over
 *   the link when it is up, and again through the source), and Object Store chunks have no Nats-Msg-Id to dedupe.
 *   Only JetStream API traffic (the sources' consumers) crosses the link.
 *
 * The province server needs `jetstream { domain: province }` and a `leafnodes` block (`hubLeafnodeConfig`).
 */
export const PROVINCE_JS_DOMAIN = 'province';

/** JetStream domain of a commune's leaf node: `commune-<agency token>` (`000.01.01.H29` → `commune-000-01-01-h29`). */
export function leafDomain(agency: string): string {
  return `commune-${agencyToken(agency).replace(/_/g, '-')}`;
}

/** The commune's local stream of incoming exchange messages (sourced from the province). */
export function leafInboxStream(names: ExchangeNames = DEFAULT_EXCHANGE_NAMES): string {
  return `${names.stream}_INBOX`;
}

/** Object Store stream behind the documents bucket (`OBJ_<bucket>`, the name the Object Store API gives it). */
export function objectStoreStream(names: ExchangeNames = DEFAULT_EXCHANGE_NAMES): string {
  return `OBJ_${names.bucket}`;
}

/** JetStream API prefix of a domain, as seen from any server linked to it by leaf connections. */
export function domainApi(domain: string): string {
  return `$JS.${domain}.API`;
}

/**
 * Delivery subjects of the two sources across a commune's link: `up` carries the commune's outgoing messages to the
 * province's sources, `down` the province's messages to the commune's inbox. Named per commune (instead of the
 * server's default `$JS.S.<random>`) so the province can allow a commune's node exactly its own deliveries.
 */
export function leafDeliverPrefix(agency: string, direction: 'up' | 'down'): string {
  return `lienthong.leaf.${agencyToken(agency)}.${direction}`;
}

/** Subjects that must not cross the leaf connection in either direction (see the module comment). */
export function leafDeniedSubjects(names: ExchangeNames = DEFAULT_EXCHANGE_NAMES): string[] {
  return [`${names.subjectPrefix}.>`, `${names.dlqSubjectPrefix}.>`, `$O.${names.bucket}.>`];
}

/** NATS user of a commune's leaf connection on the province's leafnode port. */
export function leafNatsUser(agency: string): string {
  return `leaf-${agencyToken(agency)}`;
}

/**
 * Password of a commune's leaf connection, derived from one deployment secret (`NATS_LEAF_SECRET`) as the agencies'
 * passwords are (infra/nats-auth.ts): HMAC-SHA256(secret, "nats-leaf:" + code), base64url, so it is URL-safe.
 */
export function leafNatsPassword(secret: string, agency: string): string {
  return createHmac('sha256', secret).update(`nats-leaf:${agency}`).digest('base64url');
}

const quoted = (items: string[]) => `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;

export interface LeafNodeConfigOptions {
  agency: string;
  /** The province's leafnode URLs (`nats://host:7422`), one per cluster node; the leaf uses whichever answers. */
  hubUrls: string[];
  /** Credentials of the leaf connection (`leafNatsUser`, `leafNatsPassword`). */
  hubUser: string;
  hubPassword: string;
  /** Where the commune's own processes connect. */
  listen: { host: string; port: number };
  /** Monitoring endpoint (`/leafz` shows the link); omitted when absent. */
  monitorPort?: number;
  storeDir: string;
  /** JetStream fsync policy; default `always` (exchanged documents are legal records). */
  syncInterval?: string;
  /** Seconds between attempts to re-establish a dropped link; default 2. */
  reconnectSeconds?: number;
  /** An `authorization { … }` block for the commune's local users, appended as is. */
  localAuthorization?: string;
  names?: ExchangeNames;
}

/** nats-server configuration of a commune's leaf node. */
export function renderLeafNodeConfig(options: LeafNodeConfigOptions): string {
  const names = options.names ?? DEFAULT_EXCHANGE_NAMES;
  const token = agencyToken(options.agency);
  const user = encodeURIComponent(options.hubUser);
  const password = encodeURIComponent(options.hubPassword);
  const urls = options.hubUrls.map((raw) => {
    const url = new URL(raw);
    if (url.protocol !== 'nats:' && url.protocol !== 'tls:')
      throw new Error(`hub URL ${raw}: expected nats://host:port or tls://host:port`);
    return `${url.protocol}//${user}:${password}@${url.host}`;
  });
  if (urls.length === 0) throw new Error('a leaf node needs at least one hub URL');
  const denied = leafDeniedSubjects(names);
  return [
    `# lienthong leaf node of ${options.agency}; generated by infra/leaf-node.ts (npm run leaf).`,
    `server_name: ${JSON.stringify(`lienthong-leaf-${token}`)}`,
    `listen: ${JSON.stringify(`${options.listen.host}:${options.listen.port}`)}`,
    ...(options.monitorPort
      ? [`http: ${JSON.stringify(`${options.listen.host}:${options.monitorPort}`)}`]
      : []),
    'max_payload: 1MB',
    'jetstream {',
    `  store_dir: ${JSON.stringify(options.storeDir)}`,
    `  domain: ${JSON.stringify(leafDomain(options.agency))}`,
    `  sync_interval: ${options.syncInterval ?? 'always'}`,
    '}',
    'leafnodes {',
    `  reconnect: ${options.reconnectSeconds ?? 2}`,
    '  remotes: [',
    '    {',
    `      urls: ${quoted(urls)}`,
    `      deny_exports: ${quoted(denied)}`,
    `      deny_imports: ${quoted(denied)}`,
    '    }',
    '  ]',
    '}',
    ...(options.localAuthorization ? [options.localAuthorization] : []),
    '',
  ].join('\n');
}

/**
 * The `leafnodes` block of the province's server config: where communes' leaf nodes connect. It has no
 * authorization of its own: a leaf node logs in as its user of the server's `authorization` block
 * (`leafNatsUserConfig`, included by `natsAuthorizationConfig`), whose permissions then bound what crosses its link.
 * The province's `jetstream` block must also name its domain (`PROVINCE_JS_DOMAIN`).
 */
export function hubLeafnodeConfig(options: {
  listen: { host: string; port: number };
  /**
   * The `host:port` leaf nodes should reconnect to, when the province is reached through a NAT, load balancer or
   * proxy: a leaf learns the address a hub advertises and dials it on its next reconnect. Default: the listen address.
   */
  advertise?: string;
}): string {
  return [
    'leafnodes {',
    `  listen: ${JSON.stringify(`${options.listen.host}:${options.listen.port}`)}`,
    ...(options.advertise ? [`  advertise: ${JSON.stringify(options.advertise)}`] : []),
    '}',
    '',
  ].join('\n');
}

/**
 * What a commune's leaf connection may carry, from the node's side (`publish`: to the province; `subscribe`: from
 * it): the creation of ITS inbox source's consumer (the filter is part of the subject, so only over its own
 * subjects), the deliveries of its two sources, the province's requests to its own domain's API, and the JetStream
 * replies and flow control these exchange. No other JetStream API of the province: a commune's node cannot read
 * another agency's messages, documents or streams.
 */
export function leafNatsPermissions(
  agency: string,
  names: ExchangeNames = DEFAULT_EXCHANGE_NAMES,
  hubDomain: string = PROVINCE_JS_DOMAIN,
): { publish: string[]; subscribe: string[] } {
  const own = `${names.subjectPrefix}.${agencyToken(agency)}.>`;
  const replies = ['$JSC.R.>', '$JS.FC.>'];
  return {
    publish: [
      `${domainApi(hubDomain)}.CONSUMER.CREATE.${names.stream}.*.${own}`,
      `${leafDeliverPrefix(agency, 'up')}.>`,
      ...replies,
    ],
    subscribe: [
      `${domainApi(leafDomain(agency))}.>`,
      `${leafDeliverPrefix(agency, 'down')}.>`,
      ...replies,
      '$LDS.>',
    ],
  };
}

/** A commune's leaf user as an entry of the server's `authorization.users` (see `hubLeafnodeConfig`). */
export function leafNatsUserConfig(
  commune: { code: string; password: string },
  names: ExchangeNames = DEFAULT_EXCHANGE_NAMES,
): string {
  const { publish, subscribe } = leafNatsPermissions(commune.code, names);
  return [
    '    {',
    `      user: ${JSON.stringify(leafNatsUser(commune.code))}`,
    `      password: ${JSON.stringify(commune.password)}`,
    `      permissions: { publish: { allow: ${quoted(publish)} }, subscribe: { allow: ${quoted(subscribe)} } }`,
    '    }',
  ].join('\n');
}

const NS = 1_000_000;

/**
 * Creates the commune's local streams on its leaf node, if absent: the outgoing exchange stream and dead-letter
 * stream (exactly as on the province, so the publish code runs unchanged), the documents bucket, and the inbox
 * stream that sources the commune's subjects from the province. Idempotent. Works while the link is down: the
 * inbox's source starts copying once the province answers.
 */
export async function ensureLeafStreams(
  leaf: NatsConnection,
  agency: string,
  options: ExchangeTopologyOptions & { names?: ExchangeNames; hubDomain?: string } = {},
): Promise<void> {
  const names = options.names ?? DEFAULT_EXCHANGE_NAMES;
  await ensureExchangeTopology(leaf, names, options);
  await documentBucket(leaf, names);
  const jsm = await jetstreamManager(leaf);
  const inbox = leafInboxStream(names);
  const source: StreamSource = {
    name: names.stream,
    filter_subject: `${names.subjectPrefix}.${agencyToken(agency)}.>`,
    external: {
      api: domainApi(options.hubDomain ?? PROVINCE_JS_DOMAIN),
      deliver: leafDeliverPrefix(agency, 'down'),
    },
  };
  const existing = await jsm.streams.info(inbox).catch(() => undefined);
  if (!existing) {
    await jsm.streams.add({
      name: inbox,
      storage: StorageType.File,
      max_age: 90 * 24 * 3600 * 1e9,
      duplicate_window: (options.duplicateWindowMs ?? 10 * 60_000) * NS,
      sources: [source],
    });
  } else if (!hasSource(existing.config.sources, source.name, source.external!.api)) {
    await jsm.streams.update(inbox, { sources: [source] });
  }
}

function hasSource(sources: StreamSource[] | undefined, name: string, api: string): boolean {
  return (sources ?? []).some((s) => s.name === name && s.external?.api === api);
}

/**
 * Makes the province's exchange stream and documents bucket source a commune's (run at the province, with the
 * system user, once per commune). Idempotent; the sources start copying when the commune's leaf node connects.
 * Creates the province's topology if absent. Read-modify-write of the stream config: run one attach at a time.
 */
export async function attachLeafToHub(
  hub: NatsConnection,
  agency: string,
  options: { names?: ExchangeNames } = {},
): Promise<{ added: string[] }> {
  const names = options.names ?? DEFAULT_EXCHANGE_NAMES;
  await ensureExchangeTopology(hub, names);
  await documentBucket(hub, names);
  const jsm = await jetstreamManager(hub);
  const api = domainApi(leafDomain(agency));
  const added: string[] = [];
  // The bucket first, so at the first attach the documents start copying before the envelopes that name them. After
  // an outage the two sources resume independently: an envelope can still overtake its PDF (see README).
  for (const stream of [objectStoreStream(names), names.stream]) {
    const info = await jsm.streams.info(stream);
    if (hasSource(info.config.sources, stream, api)) continue;
    const external = { api, deliver: leafDeliverPrefix(agency, 'up') };
    const sources = [...(info.config.sources ?? []), { name: stream, external }];
    await jsm.streams.update(stream, { sources });
    added.push(stream);
  }
  return { added };
}

/** Removes a commune's sources from the province's streams (a commune that stops running its own node). */
export async function detachLeafFromHub(
  hub: NatsConnection,
  agency: string,
  options: { names?: ExchangeNames } = {},
): Promise<{ removed: string[] }> {
  const names = options.names ?? DEFAULT_EXCHANGE_NAMES;
  const jsm = await jetstreamManager(hub);
  const api = domainApi(leafDomain(agency));
  const removed: string[] = [];
  for (const stream of [names.stream, objectStoreStream(names)]) {
    const info = await jsm.streams.info(stream).catch(() => undefined);
    if (!info || !hasSource(info.config.sources, stream, api)) continue;
    const sources = info.config.sources!.filter((s) => !(s.name === stream && s.external?.api === api));
    await jsm.streams.update(stream, { sources });
    removed.push(stream);
  }
  return { removed };
}
