import { jetstream, type ConsumerMessages, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { ensureAgencyConsumer, ensureExchangeTopology } from '../infra/exchange-nats';
import { KeyedLanes } from '../infra/keyed-lanes';
import { connectNats } from '../infra/nats';
import { agencyNatsPassword, agencyNatsUser } from '../infra/nats-auth';
import { documentWorkflowId, incomingId, receivedWorkflowId } from '../schemas/document';
import {
  dlqSubject,
  exchangeNames,
  parseEnvelope,
  parseStatusMessage,
  type Envelope,
  type ExchangeNames,
} from '../schemas/edxml';
import type { Config } from '../schemas/config';
import { DocumentStore } from '../store/document-store';
import type { AppDeps } from './deps';
import type { IdentityStore } from '../store/identity-store';
import {
  recallRequestSignal,
  recipientStatusSignal,
  type ReceivedDocumentInput,
} from '../workflows/exchange-messages';

export interface ExchangeConsumerOptions {
  nats: NatsConnection;
  temporal: Client;
  taskQueue: string;
  identity: IdentityStore;
  documents: DocumentStore;
  logger: Logger;
  clock: () => Date;
  /** Agencies whose consumers run here; default every agency in the directory. */
  agencies?: string[];
  /** Deliveries of one message before it goes to the dead-letter stream. */
  maxDeliver: number;
  /** Redelivery delays after a failed attempt (the last one repeats). */
  backoffMs: readonly number[];
  /** Same namespace as the worker's activities. */
  namespace?: string;
  /** Days a completed received copy stays open (twice this) for recalls and newer versions; default 365. */
  followUpDays?: number;
  /**
   * The connection an agency's consumer pulls and acknowledges on: its own NATS user (infra/nats-auth.ts), which
   * may read only its inbox and status subjects through its durable consumer. Absent: the service connection.
   * Topology, consumer creation and dead-lettering stay on the service connection.
   */
  agencyConnection?: (agency: string) => Promise<NatsConnection>;
  /** Messages one agency's consumer handles at once (default 16); see `orderKey` for what stays in order. */
  concurrency?: number;
  /** Copies of the streams and consumers created here (NATS_REPLICAS); default 1. */
  replicas?: number;
}

const DEFAULT_CONCURRENCY = 16;

export interface ExchangeConsumers {
  agencies: string[];
  stop(): Promise<void>;
}

/** A reason that retrying will never fix: the message goes straight to the dead-letter path. */
export class Permanent extends Error {
  override readonly name = 'Permanent';
}

const decoder = new TextDecoder();

/** The agency's name by code, from the directory, remembered (an inbox message names only the code). */
function agencyNames(identity: IdentityStore): (code: string) => Promise<string> {
  const names = new Map<string, string>();
  return async (code) => {
    let name = names.get(code);
    if (!name) {
      const agency = await identity.getAgency(code);
      if (!agency) throw new Permanent(`unknown agency ${code}`);
      name = agency.name;
      names.set(code, name);
    }
    return name;
  };
}

/** Copies a message to the agency's dead-letter subject, records it and terminates it. */
export async function deadLetter(
  options: Pick<ExchangeConsumerOptions, 'documents' | 'clock' | 'logger'>,
  js: JetStreamClient,
  names: ExchangeNames,
  agency: string,
  m: JsMsg,
  reason: string,
): Promise<void> {
  const id = `${names.stream}:${m.seq}`;
  const ack = await js.publish(dlqSubject(agency, names), m.data, {
    msgID: id,
    headers: undefined,
  });
  await options.documents.recordDeadLetter({
    id,
    agency,
    subject: m.subject,
    reason,
    deliveries: m.info.deliveryCount,
    streamSeq: ack.seq,
    msgId: m.headers?.get('Nats-Msg-Id') || undefined,
    body: decoder.decode(m.data).slice(0, 100_000),
    at: options.clock(),
  });
  options.logger.warn({ agency, subject: m.subject, seq: m.seq, reason }, 'exchange message dead-lettered');
  m.term(reason);
}

/** The envelope of an inbox message of `agency`; a body that is none, or addressed elsewhere, is `Permanent`. */
export function addressedEnvelope(body: unknown, agency: string): Envelope {
  const parsed = parseEnvelope(body);
  if (!parsed.ok) throw new Permanent(parsed.reason);
  const env = parsed.value;
  if (!env.to.some((t) => t.code === agency)) throw new Permanent(`envelope is not addressed to ${agency}`);
  return env;
}

/** An inbox message: a recall signals the received copy; a document starts its received-document workflow. */
async function handleInbox(
  options: ExchangeConsumerOptions,
  agencyName: (code: string) => Promise<string>,
  agency: string,
  body: unknown,
): Promise<void> {
  const env = addressedEnvelope(body, agency);
  if (env.businessDocType === 1) {
    // A recall ("thu hồi") goes to the copy this agency received; it starts nothing new.
    try {
      await options.temporal.workflow
        .getHandle(receivedWorkflowId(agency, env.from.code, env.messageId))
        .signal(recallRequestSignal, { reason: env.description ?? '', at: env.sentAt });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new Permanent(`no open received copy of ${env.messageId} at ${agency} to recall`);
      throw err;
    }
    return;
  }
  const input: ReceivedDocumentInput = {
    envelope: env,
    recipient: { code: agency, name: await agencyName(agency) },
    inboxId: incomingId(env.from.code, env.messageId),
    receivedAt: options.clock().toISOString(),
    followUpDays: options.followUpDays,
  };
  try {
    await options.temporal.workflow.start('receivedDocumentWorkflow', {
      workflowId: receivedWorkflowId(agency, env.from.code, env.messageId),
      taskQueue: options.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
    });
  } catch (err) {
    // A redelivery or a resend of a document already received: nothing new to start.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    throw err;
  }
}

/** A status message signals the sender's document workflow. */
async function handleStatus(options: ExchangeConsumerOptions, agency: string, body: unknown): Promise<void> {
  const parsed = parseStatusMessage(body);
  if (!parsed.ok) throw new Permanent(parsed.reason);
  const status = parsed.value;
  if (status.to !== agency) throw new Permanent(`status is not addressed to ${agency}`);
  try {
    await options.temporal.workflow
      .getHandle(documentWorkflowId(agency, status.messageId))
      .signal(recipientStatusSignal, status);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new Permanent(`no open document ${status.messageId} at ${agency}`);
    throw err;
  }
}

/** What settling a message needs: the dead-letter record, the retry policy and the log. */
export type MessageSettling = Pick<
  ExchangeConsumerOptions,
  'documents' | 'clock' | 'logger' | 'maxDeliver' | 'backoffMs'
>;

/** What a consumer does with an agency's inbox and status messages (a body that is JSON). */
export interface MessageKinds {
  inbox(agency: string, body: unknown): Promise<void>;
  status(agency: string, body: unknown): Promise<void>;
}

/**
 * Handles one message of an agency: acked once `kinds` handled it, nak'ed with backoff on a transient failure,
 * dead-lettered when it can never be processed (`Permanent`) or failed `maxDeliver` times. Shared by the agencies'
 * consumers and the edXML gateway; `nakNote` names which in the log.
 */
export function settlingHandler(
  options: MessageSettling,
  js: JetStreamClient,
  names: ExchangeNames,
  kinds: MessageKinds,
  nakNote: string,
): (agency: string, m: JsMsg) => Promise<void> {
  const { logger } = options;
  return async (agency, m) => {
    const kind = m.subject.split('.').pop();
    try {
      let body: unknown;
      try {
        body = JSON.parse(decoder.decode(m.data));
      } catch {
        throw new Permanent('message body is not JSON');
      }
      if (kind === 'inbox') await kinds.inbox(agency, body);
      else if (kind === 'status') await kinds.status(agency, body);
      else throw new Permanent(`unknown subject ${m.subject}`);
      m.ack();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (err instanceof Permanent || m.info.deliveryCount >= options.maxDeliver) {
        await deadLetter(options, js, names, agency, m, reason).catch((e: unknown) => {
          logger.error({ err: e, seq: m.seq }, 'dead-lettering failed; message will be redelivered');
          m.nak(backoff(options.backoffMs, m.info.deliveryCount));
        });
        return;
      }
      logger.warn({ agency, seq: m.seq, deliveries: m.info.deliveryCount, reason }, nakNote);
      m.nak(backoff(options.backoffMs, m.info.deliveryCount));
    }
  };
}

/** The agencies' consumers: an inbox message starts a receipt, a status signals the sender's workflow. */
function messageHandler(
  options: ExchangeConsumerOptions,
  js: JetStreamClient,
  names: ExchangeNames,
): (agency: string, m: JsMsg) => Promise<void> {
  const agencyName = agencyNames(options.identity);
  const kinds: MessageKinds = {
    inbox: (agency, body) => handleInbox(options, agencyName, agency, body),
    status: (agency, body) => handleStatus(options, agency, body),
  };
  return settlingHandler(options, js, names, kinds, 'exchange message nak');
}

/**
 * Runs one durable pull consumer per agency over the exchange stream. Inbox messages start the recipient's
 * `receivedDocumentWorkflow` under a deterministic id (a duplicate delivery starts nothing: the id is taken, even
 * after the workflow closed); status messages signal the sender's `documentWorkflow`. Every message is acked
 * explicitly after Temporal accepted it; a transient failure is nak'ed with backoff; a message that can never be
 * processed, or that failed `maxDeliver` times, is copied to the dead-letter stream, recorded and terminated.
 */
export async function startExchangeConsumers(options: ExchangeConsumerOptions): Promise<ExchangeConsumers> {
  const { nats, logger } = options;
  const names = exchangeNames(options.namespace);
  await ensureExchangeTopology(nats, names, { replicas: options.replicas });
  // Agencies outside the province are served by the edXML gateway (api/edxml-gateway.ts), never received here.
  const agencies =
    options.agencies ??
    (await options.identity.listAgencies()).filter((a) => a.active && !a.external).map((a) => a.code);
  const js = jetstream(nats);
  const running: { messages: ConsumerMessages; loop: Promise<void> }[] = [];
  const agencyConnections: NatsConnection[] = [];
  const handle = messageHandler(options, js, names);

  for (const agency of agencies) {
    const name = await ensureAgencyConsumer(nats, agency, names, {
      maxDeliver: options.maxDeliver,
      replicas: options.replicas,
    });
    let bound = js;
    if (options.agencyConnection) {
      const own = await options.agencyConnection(agency).catch((err: unknown) => {
        // Its messages wait in the stream; the service user never reads for it in its place.
        logger.error({ err, agency }, 'agency NATS credentials refused; its consumer is not started');
        return undefined;
      });
      if (!own) continue;
      agencyConnections.push(own);
      bound = jetstream(own);
    }
    const consumer = await bound.consumers.get(names.stream, name);
    const messages = await consumer.consume({ max_messages: 32 });
    const lanes = new KeyedLanes(options.concurrency ?? DEFAULT_CONCURRENCY);
    const loop = (async () => {
      for await (const m of messages) await lanes.add(orderKey(m), () => handle(agency, m));
      await lanes.idle();
    })().catch((err: unknown) => logger.error({ err, agency }, 'exchange consumer stopped'));
    running.push({ messages, loop });
  }
  logger.info({ agencies: agencies.length }, 'exchange consumers running');

  return {
    agencies,
    async stop() {
      for (const r of running) await r.messages.close().catch(() => undefined);
      await Promise.all(running.map((r) => r.loop));
      for (const c of agencyConnections) await c.drain().catch(() => undefined);
    },
  };
}

/** The consumers of a connected API process (server, tests, benchmarks), configured from `config`. */
export function startAppExchangeConsumers(
  deps: AppDeps,
  config: Config,
  logger: Logger,
): Promise<ExchangeConsumers> {
  if (!deps.nats || !deps.temporal || !deps.db)
    throw new Error('exchange consumers need NATS, Temporal and MongoDB connected');
  const agencySecret = config.nats.agencySecret;
  return startExchangeConsumers({
    nats: deps.nats,
    temporal: deps.temporal,
    taskQueue: config.temporal.taskQueue,
    identity: deps.identity,
    documents: new DocumentStore(deps.db),
    logger,
    clock: deps.clock,
    maxDeliver: config.exchange.maxDeliver,
    backoffMs: config.exchange.backoffMs,
    namespace: config.exchange.namespace,
    followUpDays: config.exchange.followUpDays,
    replicas: config.nats.replicas,
    agencyConnection: agencySecret
      ? (agency) =>
          connectNats({
            url: config.nats.url,
            user: agencyNatsUser(agency),
            password: agencyNatsPassword(agencySecret, agency),
            name: `lienthong-consumer-${agency}`,
          })
      : undefined,
  });
}

/**
 * Messages that must be handled in the order they arrived share a key; the others run side by side. Statuses of one
 * document stay in order (01 before 03; the workflow ignores a step backwards, so 01 after 03 would be lost from the
 * trail). Inbox messages of one sender stay in order, so an update, replacement or recall never overtakes the
 * document it refers to. A body that cannot be read gets its own key: it is dead-lettered on its own.
 */
export function orderKey(m: Pick<JsMsg, 'subject' | 'data' | 'seq'>): string {
  const kind = m.subject.split('.').pop();
  try {
    const body = JSON.parse(decoder.decode(m.data)) as { from?: { code?: unknown }; messageId?: unknown };
    if (kind === 'status' && typeof body.messageId === 'string') return `status:${body.messageId}`;
    if (kind === 'inbox' && typeof body.from?.code === 'string') return `inbox:${body.from.code}`;
  } catch {
    // Falls through: handle() dead-letters it.
  }
  return `seq:${m.seq}`;
}

export function backoff(delays: readonly number[], deliveryCount: number): number {
  if (delays.length === 0) return 1_000;
  return delays[Math.min(deliveryCount - 1, delays.length - 1)]!;
}
