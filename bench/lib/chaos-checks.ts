import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Db } from 'mongodb';
import type { ApiClient } from '../../cli/demo-api';
import {
  ExchangeCollections,
  documentWorkflowId,
  incomingId,
  receivedWorkflowId,
} from '../../schemas/document';
import type { ExchangeNames } from '../../schemas/edxml';
import { AuditStore } from '../../store/audit-store';
import { demoUsername } from '../../store/demo-province';
import type { DrivenDocument } from './chaos-driver';

/** What a chaos run found after the system settled; every count is zero when nothing went wrong. */
export interface ChaosFindings {
  /** Documents that did not reach 03 at every recipient, in the sender's and each recipient's records. */
  lost: number;
  /** Registrations beyond one of a document in a register (outgoing or a recipient's incoming). */
  duplicated: number;
  /** Missing or repeated numbers in any register (each must hold 1..n exactly once). */
  numberGaps: number;
  auditOk: boolean;
  deadLetters: number;
  /** Each stream with its configured and present copies, e.g. `LIENTHONG_EXCHANGE 3/3`. */
  streams: string[];
  /** Human-readable reasons, one per problem (the first few are printed). */
  problems: string[];
}

/** Whether a document reached its final state everywhere: 03 at each recipient, and the sender knows it. */
export async function documentSettled(api: ApiClient, doc: DrivenDocument): Promise<boolean> {
  if (!doc.id) return false;
  const sender = await api
    .call(demoUsername('drafter', doc.sender), 'GET', `/documents/${doc.id}`)
    .catch(() => undefined);
  const recipients = (sender?.body?.recipients ?? []) as { agency: string; statusCode: string }[];
  const codes = new Map(recipients.map((r) => [r.agency, r.statusCode]));
  const seen = [...codes.values()];
  if (seen.length !== doc.recipients.length || seen.some((c) => c !== '03')) return false;
  for (const r of doc.recipients) {
    const item = await api
      .call(demoUsername('clerk', r), 'GET', `/inbox/${incomingId(doc.sender, doc.id)}`)
      .catch(() => undefined);
    if (item?.status !== 200 || item.body.statusCode !== '03') return false;
  }
  return true;
}

interface Entry {
  register: string;
  number: number;
  documentKey: string;
}

/** Registers: every number 1..n exactly once; every driven document registered once by its sender and by each recipient. */
export function checkRegisters(entries: Entry[], docs: DrivenDocument[], f: ChaosFindings): void {
  const byRegister = new Map<string, Entry[]>();
  for (const e of entries) byRegister.set(e.register, [...(byRegister.get(e.register) ?? []), e]);
  for (const [register, list] of byRegister) {
    const numbers = new Set(list.map((e) => e.number));
    const max = Math.max(...numbers);
    const gaps = max - numbers.size + (list.length - numbers.size);
    if (gaps > 0) {
      f.numberGaps += gaps;
      f.problems.push(
        `register ${register}: ${list.length} entries, ${numbers.size} distinct numbers, highest ${max}`,
      );
    }
    const perKey = new Map<string, number>();
    for (const e of list) perKey.set(e.documentKey, (perKey.get(e.documentKey) ?? 0) + 1);
    for (const [key, n] of perKey)
      if (n > 1) {
        f.duplicated += n - 1;
        f.problems.push(`register ${register}: ${key} registered ${n} times`);
      }
  }
  // Register ids are `<agency>:<kind>:<year>`: which agency registered which document.
  const keys = new Set(entries.map((e) => `${e.register.split(':')[0]}|${e.documentKey}`));
  for (const doc of docs) {
    if (!doc.id || !doc.issued) continue;
    const expected = [
      `${doc.sender}|${documentWorkflowId(doc.sender, doc.id)}`,
      ...doc.recipients.map((r) => `${r}|${receivedWorkflowId(r, doc.sender, doc.id!)}`),
    ];
    for (const key of expected)
      if (!keys.has(key)) f.problems.push(`not registered: ${key.replace('|', ' ')}`);
  }
}

/**
 * The checks of a chaos run, once the system settled: final states through the API (lost), registers in the
 * database (duplicates, gaps), the audit hash chains, and the dead-letter stream.
 */
export async function checkChaosRun(
  api: ApiClient,
  db: Db,
  nats: NatsConnection,
  names: ExchangeNames,
  docs: DrivenDocument[],
  replicas: number,
): Promise<ChaosFindings> {
  const f: ChaosFindings = {
    lost: 0,
    duplicated: 0,
    numberGaps: 0,
    auditOk: false,
    deadLetters: 0,
    streams: [],
    problems: [],
  };
  for (const doc of docs) {
    if (!(await documentSettled(api, doc))) {
      f.lost++;
      f.problems.push(
        `document ${doc.index + 1} (${doc.sender} → ${doc.recipients.join(', ')}, id ${doc.id ?? 'none'}) did not reach 03 everywhere${doc.error ? `: ${doc.error}` : ''}`,
      );
    }
  }
  const entries = await db
    .collection<Entry>(ExchangeCollections.registerEntries)
    .find({}, { projection: { _id: 0, register: 1, number: 1, documentKey: 1 } })
    .toArray();
  checkRegisters(entries, docs, f);
  const audit = await new AuditStore(db).verify();
  f.auditOk = audit.ok;
  if (!audit.ok) f.problems.push(`audit chain broken: ${JSON.stringify(audit.firstBreak)}`);
  const jsm = await jetstreamManager(nats);
  // The run is only a test of the cluster if every stream really is replicated on the three nodes.
  for (const stream of [names.stream, names.dlqStream, `OBJ_${names.bucket}`]) {
    const info = await jsm.streams.info(stream).catch(() => undefined);
    const copies = info ? 1 + (info.cluster?.replicas?.length ?? 0) : 0;
    f.streams.push(`${stream} ${info?.config.num_replicas ?? 0}/${copies}`);
    if (info && (info.config.num_replicas < replicas || copies < replicas))
      f.problems.push(`${stream}: ${info.config.num_replicas} replicas configured, ${copies} present`);
  }
  const dlq = await jsm.streams.info(names.dlqStream).catch(() => undefined);
  f.deadLetters = dlq?.state.messages ?? 0;
  if (f.deadLetters > 0) f.problems.push(`${f.deadLetters} message(s) in ${names.dlqStream}`);
  return f;
}
