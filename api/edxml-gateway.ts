import { createHash } from 'node:crypto';
import { jetstream, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { envelopeToEdxml, statusToEdxml } from '../edxml/lienthong';
import { signEdxmlWith } from '../edxml/signature';
import { writeEdxml } from '../edxml/write';
import { documentBucket, ensureAgencyConsumer, ensureExchangeTopology } from '../infra/exchange-nats';
import type { Signer } from '../pki/signer';
import type { Config } from '../schemas/config';
import {
  exchangeNames,
  parseStatusMessage,
  type Envelope,
  type ExchangeNames,
  type StatusMessage,
} from '../schemas/edxml';
import type { EdxmlEnvelope } from '../schemas/edxml-wire';
import { isLienthongError } from '../schemas/errors';
import { DocumentStore } from '../store/document-store';
import { EdxmlGatewayStore } from '../store/edxml-gateway-store';
import type { IdentityStore } from '../store/identity-store';
import type { KeyRef } from '../store/pki-store';
import type { AppDeps } from './deps';
import { Permanent, addressedEnvelope, settlingHandler, type MessageKinds } from './inbox-consumer';

/**
 * Outbound half of the edXML gateway to the national exchange platform. Agencies outside the province (directory
 * entries with `external: true`) get their own durable consumer on the exchange stream, exactly as a province
 * agency does, so the document workflow dispatches to them through the same `dispatchToRecipient`. Here an envelope
 * becomes a signed edXML envelope with its attachments inline (base64), a status message a signed edXML status, and
 * each is POSTed to the platform (`EDXML_GATEWAY_URL`). A transient failure (network, timeout, 5xx, 408, 429) is
 * nak'ed with backoff and redelivered by NATS; a refusal (other 4xx) or an unreadable message is dead-lettered.
 */

export interface EdxmlGatewayOptions {
  nats: NatsConnection;
  identity: IdentityStore;
  /** Signers for server-held organisation keys (the key is decrypted inside the signer only). */
  signerFor: (ref: KeyRef, now: Date) => Promise<Signer>;
  sent: EdxmlGatewayStore;
  documents: DocumentStore;
  logger: Logger;
  clock: () => Date;
  gatewayUrl: string;
  timeoutMs: number;
  /**
   * The agency whose organisation key signs when the sender's own key is not held by the server (a subscriber
   * keeps it on a token): the province's, so the platform still sees a signature of the province.
   */
  fallbackSigner: string;
  namespace?: string;
  /** Copies of the exchange streams and the documents bucket (NATS_REPLICAS); default 1. */
  replicas?: number;
  maxDeliver: number;
  backoffMs: readonly number[];
  /** External agencies served here; default every active external agency in the directory. */
  agencies?: string[];
  fetch?: typeof fetch;
}

export interface EdxmlGateway {
  agencies: string[];
  stop(): Promise<void>;
}

/** The sender's organisation signer, else the province's (see `fallbackSigner`). */
async function organisationSigner(options: EdxmlGatewayOptions, agency: string): Promise<Signer> {
  const now = options.clock();
  try {
    return await options.signerFor({ agency, profile: 'organisation' }, now);
  } catch (err) {
    if (!isLienthongError(err) || err.code !== 'CERT_NOT_FOUND' || agency === options.fallbackSigner)
      throw err;
    options.logger.info({ agency }, 'edXML signed with the province certificate: no server-held key');
    return options.signerFor({ agency: options.fallbackSigner, profile: 'organisation' }, now);
  }
}

/** POSTs one edXML document; a refusal that a retry will not change is Permanent. */
async function post(options: EdxmlGatewayOptions, xml: string): Promise<void> {
  const res = await (options.fetch ?? fetch)(options.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/xml; charset=utf-8' },
    body: xml,
    signal: AbortSignal.timeout(options.timeoutMs),
  });
  if (res.ok) return;
  const detail = (await res.text().catch(() => '')).slice(0, 500);
  const reason = `the platform answered ${res.status}${detail ? `: ${detail}` : ''}`;
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
    throw new Permanent(reason);
  throw new Error(reason);
}

/** The envelope as edXML with every attachment inline, read back from the Object Store and checked. */
async function envelopeXml(
  options: EdxmlGatewayOptions,
  names: ExchangeNames,
  env: Envelope,
): Promise<string> {
  const bucket = await documentBucket(options.nats, names, options.replicas);
  const model: EdxmlEnvelope = envelopeToEdxml(env);
  model.attachments = [];
  for (const a of env.attachments) {
    const bytes = await bucket.getBlob(a.ref.slice(a.ref.indexOf('/') + 1));
    if (!bytes) throw new Error(`${a.name} is not in the object store yet`);
    if (createHash('sha256').update(bytes).digest('hex') !== a.sha256)
      throw new Permanent(`${a.name} does not match the SHA-256 in the envelope`);
    model.attachments.push({
      contentId: `sha256:${a.sha256}`,
      contentType: a.contentType,
      attachmentName: a.name,
      contentBase64: Buffer.from(bytes).toString('base64'),
    });
  }
  // The Object Store reference means nothing outside the province.
  model.manifest = model.manifest.map(({ description: _ref, ...rest }) => rest);
  return signEdxmlWith(writeEdxml(model), await organisationSigner(options, env.from.code));
}

async function sendEnvelope(
  options: EdxmlGatewayOptions,
  names: ExchangeNames,
  agency: string,
  body: unknown,
): Promise<void> {
  const env = addressedEnvelope(body, agency);
  // Recorded first: the platform may answer with a status before this POST returns.
  await options.sent.recordSent({
    documentId: env.documentId,
    agency: env.from.code,
    messageId: env.messageId,
    recipient: agency,
    at: options.clock().toISOString(),
  });
  await post(options, await envelopeXml(options, names, env));
  options.logger.info({ agency, documentId: env.documentId }, 'edXML envelope delivered to the platform');
}

async function sendStatus(options: EdxmlGatewayOptions, agency: string, body: unknown): Promise<void> {
  const parsed = parseStatusMessage(body);
  if (!parsed.ok) throw new Permanent(parsed.reason);
  const status: StatusMessage = parsed.value;
  if (status.to !== agency) throw new Permanent(`status is not addressed to ${agency}`);
  const xml = writeEdxml(statusToEdxml(status));
  await post(options, await signEdxmlWith(xml, await organisationSigner(options, status.from.code)));
  options.logger.info(
    { agency, documentId: status.edxmlDocumentId, statusCode: status.statusCode },
    'edXML status delivered to the platform',
  );
}

function messageHandler(options: EdxmlGatewayOptions, js: JetStreamClient, names: ExchangeNames) {
  const kinds: MessageKinds = {
    inbox: (agency, body) => sendEnvelope(options, names, agency, body),
    status: (agency, body) => sendStatus(options, agency, body),
  };
  return settlingHandler(options, js, names, kinds, 'edXML send nak');
}

/**
 * Runs one durable pull consumer per external agency (the same consumer name a province agency would have: an
 * agency is served by the gateway or by the inbox consumer, never both). Messages of one agency are sent one at a
 * time, in order, so a 01 never overtakes the document it answers.
 */
export async function startEdxmlGateway(options: EdxmlGatewayOptions): Promise<EdxmlGateway> {
  const names = exchangeNames(options.namespace);
  await ensureExchangeTopology(options.nats, names, { replicas: options.replicas });
  const agencies =
    options.agencies ??
    (await options.identity.listAgencies()).filter((a) => a.active && a.external).map((a) => a.code);
  const js = jetstream(options.nats);
  const handle = messageHandler(options, js, names);
  const running: { messages: ConsumerMessages; loop: Promise<void> }[] = [];
  for (const agency of agencies) {
    const name = await ensureAgencyConsumer(options.nats, agency, names, {
      maxDeliver: options.maxDeliver,
      replicas: options.replicas,
    });
    const messages = await (await js.consumers.get(names.stream, name)).consume({ max_messages: 8 });
    const loop = (async () => {
      for await (const m of messages) await handle(agency, m);
    })().catch((err: unknown) => options.logger.error({ err, agency }, 'edXML gateway consumer stopped'));
    running.push({ messages, loop });
  }
  options.logger.info({ agencies: agencies.length, url: options.gatewayUrl }, 'edXML gateway running');
  return {
    agencies,
    async stop() {
      for (const r of running) await r.messages.close().catch(() => undefined);
      await Promise.all(running.map((r) => r.loop));
    },
  };
}

/** The gateway of a connected API process, configured from `config`; undefined when no platform URL is set. */
export async function startAppEdxmlGateway(
  deps: AppDeps,
  config: Config,
  logger: Logger,
  overrides: Partial<EdxmlGatewayOptions> = {},
): Promise<EdxmlGateway | undefined> {
  const gatewayUrl = overrides.gatewayUrl ?? config.edxml.gatewayUrl;
  if (!gatewayUrl) return undefined;
  if (!deps.nats || !deps.db) throw new Error('the edXML gateway needs NATS and MongoDB connected');
  return startEdxmlGateway({
    nats: deps.nats,
    identity: deps.identity,
    signerFor: (ref, now) => deps.pki.signerFor(ref, now),
    sent: new EdxmlGatewayStore(deps.db),
    documents: new DocumentStore(deps.db),
    logger,
    clock: deps.clock,
    gatewayUrl,
    timeoutMs: config.edxml.gatewayTimeoutMs,
    fallbackSigner: config.systemAgency,
    namespace: config.exchange.namespace,
    replicas: config.nats.replicas,
    maxDeliver: config.exchange.maxDeliver,
    backoffMs: config.exchange.backoffMs,
    ...overrides,
  });
}
