import { ApplicationFailure } from '@temporalio/activity';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Db } from 'mongodb';
import { isPdfError, signPdf, type SignPdfOptions } from '../../pdf';
import { ensureExchangeTopology } from '../../infra/exchange-nats';
import type { FileRef } from '../../schemas/document';
import { exchangeNames } from '../../schemas/edxml';
import { isLienthongError } from '../../schemas/errors';
import type { AuditStore } from '../../store/audit-store';
import { DocumentStore } from '../../store/document-store';
import { FlowStore } from '../../store/flow-store';
import { KpiStore } from '../../store/kpi-store';
import { IdentityStore } from '../../store/identity-store';
import { FileStore } from '../../store/file-store';
import { NotificationStore } from '../../store/notification-store';
import type { PkiStore } from '../../store/pki-store';
import { RegisterStore } from '../../store/register-store';

export interface ExchangeActivityDeps {
  db: Db;
  nats: NatsConnection;
  audit: AuditStore;
  pki: PkiStore;
  clock: () => Date;
  /** Separates deployments (or test files) sharing one NATS server; default none. */
  exchangeNamespace?: string;
  /**
   * How long a receipt waits for an attachment that is not in the Object Store yet before recording PAYLOAD_MISSING;
   * default 2 minutes (see `awaitObject` in receipt.ts).
   */
  payloadWaitMs?: number;
  /** Copies of the exchange streams and the documents bucket (NATS_REPLICAS); default 1. */
  natsReplicas?: number;
  /** PAdES level of exchanged documents and the TSA (default B-LTA with the province TSA in process). */
  longTerm?: { level: 'B-B' | 'B-T' | 'B-LTA'; tsaUrl?: string };
}

export const encoder = new TextEncoder();

/**
 * Permanent failures become non-retryable ApplicationFailures typed with their stable code (CERT_REVOKED,
 * SIGNATURE_INVALID …); anything else is rethrown as is and retried.
 */
export async function permanentAsFailure<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isLienthongError(err)) throw ApplicationFailure.nonRetryable(err.message, err.code, err.details);
    if (isPdfError(err)) {
      const code =
        err.code === 'SIGNATURE_MISMATCH' || err.code === 'STATE_MISMATCH'
          ? 'SIGNATURE_INVALID'
          : 'DOMAIN_VALIDATION';
      throw ApplicationFailure.nonRetryable(err.message, code);
    }
    throw err;
  }
}

export function objectName(ref: string): string {
  const slash = ref.indexOf('/');
  return slash >= 0 ? ref.slice(slash + 1) : ref;
}

/** Activities of the document exchange: signing, numbering, transport, verification and the audit trail. */
/**
 * Signs with the Decree 30 appearance (leader's signature block, agency seal and text); if no font on this machine
 * covers the Vietnamese text, signs without an appearance rather than failing the document: the signature, not its
 * picture, is what is legally binding.
 */
export async function signWithAppearance(bytes: Uint8Array, options: SignPdfOptions): Promise<Uint8Array> {
  try {
    return await signPdf(bytes, options);
  } catch (err) {
    if (!isPdfError(err) || err.code !== 'FONT_UNAVAILABLE') throw err;
    return signPdf(bytes, { ...options, appearance: { kind: 'none' } });
  }
}

/** A stored file to sign with a server-held key of `agency`, and the name of the signed copy. */
export interface StoredFileSigning {
  agency: string;
  file: FileRef;
  fileName: string;
  signingTime: string;
  location?: string;
}

/**
 * The stores and NATS names the exchange activities share. Built once per worker by createExchangeActivities and
 * handed to every concern's factory, so they share one identity cache and one topology promise as they did when
 * all activities lived in one closure.
 */
export function exchangeContext(deps: ExchangeActivityDeps) {
  const files = new FileStore(deps.db);
  const registers = new RegisterStore(deps.db);
  const documents = new DocumentStore(deps.db);
  const kpis = new KpiStore(deps.db);
  const identity = new IdentityStore(deps.db);
  const flowStore = new FlowStore(deps.db);
  const notifications = new NotificationStore(deps.db);
  const names = exchangeNames(deps.exchangeNamespace);
  const replicas = deps.natsReplicas ?? 1;
  let topology: Promise<void> | undefined;
  const ensureTopology = () => {
    topology ??= ensureExchangeTopology(deps.nats, names, { replicas }).catch((err: unknown) => {
      topology = undefined;
      throw err;
    });
    return topology;
  };
  return {
    files,
    registers,
    documents,
    kpis,
    identity,
    flowStore,
    notifications,
    names,
    replicas,
    ensureTopology,
  };
}

export type ExchangeContext = ReturnType<typeof exchangeContext>;
