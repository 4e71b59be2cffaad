import { ApplicationFailure } from '@temporalio/activity';
import type { AuditEventType } from '../schemas/audit-events';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Db } from 'mongodb';
import {
  completeSignature,
  isPdfError,
  prepareSignature,
  signPdf,
  verifyPdf,
  type PreparedSignatureState,
  type PdfVerificationReport,
  type SignPdfOptions,
} from '../pdf';
import { documentBucket, ensureExchangeTopology } from '../infra/exchange-nats';
import type { AuditEventInput } from '../schemas/audit';
import {
  DEFAULT_APPROVAL_FLOW,
  DocumentTypes,
  type ApprovalFlow,
  type FileRef,
  type HistoryEntry,
  type NotificationKind,
  type SignatureSubmission,
  type SupersededBy,
  type SigningRequest,
  type VerificationSummary,
} from '../schemas/document';
import {
  exchangeNames,
  inboxSubject,
  statusSubject,
  type Envelope,
  type StatusMessage,
} from '../schemas/edxml';
import { isLienthongError, LienthongError } from '../schemas/errors';
import { verdictText, type VerificationCode, type VerificationVerdict } from '../schemas/verification';
import type { AuditStore } from '../store/audit-store';
import { resolveFlow } from '../flows/resolve';
import type { FlowDefinition, ResolvedFlow } from '../schemas/flow';
import { DocumentStore, type IncomingUpdate, type OutgoingUpdate } from '../store/document-store';
import { FlowStore } from '../store/flow-store';
import { KpiStore } from '../store/kpi-store';
import { IdentityStore } from '../store/identity-store';
import { FileStore, sha256Hex } from '../store/file-store';
import { NotificationStore } from '../store/notification-store';
import type { PkiStore } from '../store/pki-store';
import { RegisterStore, registerId } from '../store/register-store';

export interface ExchangeActivityDeps {
  db: Db;
  nats: NatsConnection;
  audit: AuditStore;
  pki: PkiStore;
  clock: () => Date;
  /** Separates deployments (or test files) sharing one NATS server; default none. */
  exchangeNamespace?: string;
}

const encoder = new TextEncoder();

/**
 * Permanent failures become non-retryable ApplicationFailures typed with their stable code (CERT_REVOKED,
 * SIGNATURE_INVALID …); anything else is rethrown as is and retried.
 */
async function permanentAsFailure<T>(work: () => Promise<T>): Promise<T> {
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

/**
 * Why a verified report fails, as a stable code and a human message; undefined when it passes. The first invalid
 * signature's sub-indication is the code: typing it as a VerificationCode makes this fail to compile when the
 * verifier gains a sub-indication that schemas/verification.ts does not list.
 */
function verdictOf(report: PdfVerificationReport): VerificationVerdict | undefined {
  if (report.signatures.length === 0)
    return { code: 'NO_SIGNATURE', message: 'the document carries no signature' };
  const bad = report.signatures.find((s) => !s.valid);
  if (bad) {
    // An invalid signature is never TOTAL_PASSED; should one be, it proves nothing either way.
    const code: VerificationCode =
      bad.subIndication ?? (bad.indication === 'TOTAL_PASSED' ? 'INDETERMINATE' : bad.indication);
    return { code, message: `${bad.fieldName}: ${bad.messages[0] ?? 'signature not valid'}` };
  }
  if (report.decree30 && !report.decree30.valid)
    return {
      code: 'DECREE30_LAYOUT',
      message: report.decree30.messages.join('; ') || 'signature layout not valid',
    };
  return undefined;
}

/** A summary that failed with `verdict`: the structured verdict and its human text side by side. */
function failedSummary(
  verdict: VerificationVerdict,
  checkedAt: string,
  hashMatches: boolean,
): VerificationSummary {
  return { ok: false, reason: verdictText(verdict), verdict, checkedAt, hashMatches };
}

/**
 * A role-step flow as a flow definition (one stage per step, any holder of the role); used for the built-in
 * default when an agency has no flow configured.
 */
export function flowDefinitionOf(flow: ApprovalFlow): FlowDefinition {
  return {
    name: flow.name,
    title: flow.name,
    scope: { level: 'any' },
    documentTypes: [],
    stages: flow.steps.map((step, i) => ({
      id: i === 0 ? 'approval' : `approval-${i + 1}`,
      name: 'Phê duyệt',
      approvers: { roles: [step.role], users: [] },
      mode: 'any' as const,
    })),
  };
}

function objectName(ref: string): string {
  const slash = ref.indexOf('/');
  return slash >= 0 ? ref.slice(slash + 1) : ref;
}

/** Activities of the document exchange: signing, numbering, transport, verification and the audit trail. */
/**
 * Signs with the Decree 30 appearance (leader's signature block, agency seal and text); if no font on this machine
 * covers the Vietnamese text, signs without an appearance rather than failing the document: the signature, not its
 * picture, is what is legally binding.
 */
async function signWithAppearance(bytes: Uint8Array, options: SignPdfOptions): Promise<Uint8Array> {
  try {
    return await signPdf(bytes, options);
  } catch (err) {
    if (!isPdfError(err) || err.code !== 'FONT_UNAVAILABLE') throw err;
    return signPdf(bytes, { ...options, appearance: { kind: 'none' } });
  }
}

/** A stored file to sign with a server-held key of `agency`, and the name of the signed copy. */
interface StoredFileSigning {
  agency: string;
  file: FileRef;
  fileName: string;
  signingTime: string;
  location?: string;
}

export function createExchangeActivities(deps: ExchangeActivityDeps) {
  const files = new FileStore(deps.db);
  const registers = new RegisterStore(deps.db);
  const documents = new DocumentStore(deps.db);
  const kpis = new KpiStore(deps.db);
  const identity = new IdentityStore(deps.db);
  const flowStore = new FlowStore(deps.db);
  const notifications = new NotificationStore(deps.db);
  const names = exchangeNames(deps.exchangeNamespace);
  let topology: Promise<void> | undefined;
  const ensureTopology = () => {
    topology ??= ensureExchangeTopology(deps.nats, names).catch((err: unknown) => {
      topology = undefined;
      throw err;
    });
    return topology;
  };

  /** Everyone who holds a received copy: the agency's clerks, its assignee and whoever acted on it. */
  const holdersOf = async (agency: string, documentId: string): Promise<string[]> => {
    const view = await documents.getIncoming(agency, documentId);
    const clerks = (await identity.listUsers({ agency }))
      .filter((u) => u.active !== false && u.roles.includes('clerk'))
      .map((u) => u.username);
    const actors = (view?.history ?? []).map((e) => e.actor).filter((a) => a !== 'system');
    return [...new Set([...clerks, ...(view?.assignee ? [view.assignee] : []), ...actors])].sort();
  };

  /** Signs a stored file with a server-held key and stores the result (both signing activities). */
  const signStored = (
    input: StoredFileSigning,
    key: Parameters<PkiStore['signerFor']>[0],
    how: Pick<SignPdfOptions, 'reason' | 'fieldName' | 'appearance'>,
  ): Promise<FileRef> =>
    permanentAsFailure(async () => {
      const signer = await deps.pki.signerFor(key, deps.clock());
      const bytes = await files.get(input.file);
      const signed = await signWithAppearance(bytes, {
        ...how,
        signer,
        signingTime: new Date(input.signingTime),
        location: input.location,
      });
      return files.put(signed, { fileName: input.fileName });
    });

  const notifyHolders = async (input: {
    agency: string;
    documentId: string;
    kind: NotificationKind;
    key: string;
    message: string;
  }): Promise<number> =>
    notifications.notify({
      ...input,
      usernames: await holdersOf(input.agency, input.documentId),
      at: deps.clock().toISOString(),
    });

  return {
    /**
     * Tells every holder of a received copy (clerks, assignee, whoever acted on it) that it was recalled or
     * superseded; one notice per person and event, however often retried.
     */
    notifyHolders,

    /**
     * Marks a document whose workflow has closed as superseded by a newer version: read model, audit event, KPI
     * counters and, for a received copy, its holders. Nothing happens when the earlier version is unknown here.
     */
    async markSuperseded(input: {
      side: 'outgoing' | 'incoming';
      agency: string;
      id: string;
      by: SupersededBy;
      eventId: string;
    }): Promise<{ found: boolean }> {
      const at = deps.clock().toISOString();
      const type: AuditEventType = input.side === 'outgoing' ? 'document.superseded' : 'incoming.superseded';
      const entry: HistoryEntry = { at, event: type, actor: 'system', state: 'SUPERSEDED' };
      const before = await documents.markSuperseded(input.side, input.agency, input.id, input.by, entry);
      if (!before) return { found: false };
      // Already superseded by another version (two replacements of one document): nothing more to record.
      if (before.supersededBy && before.supersededBy.id !== input.by.id) return { found: true };
      const sender = 'from' in before ? { from: before.from.code, messageId: before.messageId } : {};
      const stored = await deps.audit.append({
        id: input.eventId,
        time: at,
        agency: input.agency,
        actor: 'system',
        type,
        documentId: input.id,
        details: { state: 'SUPERSEDED', by: input.by.id, kind: input.by.kind, ...sender },
      });
      await kpis.apply(stored);
      if (input.side === 'incoming')
        await notifyHolders({
          agency: input.agency,
          documentId: input.id,
          kind: 'superseded',
          key: input.eventId,
          message: `Văn bản số ${before.number}/${before.notation} đã được ${input.by.kind === 'update' ? 'cập nhật' : 'thay thế'} bởi văn bản mới`,
        });
      return { found: true };
    },

    /**
     * Appends one audit event (idempotent by its id) and stores the read model that goes with it (version-guarded,
     * so a retried or late write never goes backwards).
     */
    async recordDocumentEvent(input: {
      event: AuditEventInput;
      outgoing?: OutgoingUpdate;
      incoming?: IncomingUpdate;
      /** The one new history line (workflows before the change sent the whole array in the view instead). */
      entry?: HistoryEntry;
    }): Promise<void> {
      const stored = await deps.audit.append(input.event);
      // Counters and read model are independent writes, each idempotent (KPI counters by event id, the view by
      // version): a retried activity counts once and never moves the view backwards.
      await Promise.all([
        kpis.apply(stored),
        input.outgoing && documents.saveOutgoing(input.outgoing, input.entry),
        input.incoming && documents.saveIncoming(input.incoming, input.entry),
      ]);
    },

    /**
     * The approval flow a document goes through: the agency's active flow for its type (else its level's
     * default, else the built-in default), resolved to concrete approvers among the agency's active users. The
     * result is pinned by the workflow (name and version recorded), so later edits never change it.
     */
    async resolveApprovalFlow(input: {
      documentId: string;
      agency: string;
      type: string;
      priority: number;
      recipients: string[];
      /** A role-step flow given in the workflow input instead of the configured one. */
      override?: ApprovalFlow;
    }): Promise<ResolvedFlow> {
      const agency = await identity.getAgency(input.agency);
      const level = agency?.level ?? '';
      // Flows list document types by code (`CV`) or by name (`Công văn`); both select the flow.
      const typeName = (DocumentTypes as Record<string, { name: string } | undefined>)[input.type]?.name;
      const active =
        (await flowStore.activeFor(input.agency, level, input.type)) ??
        (typeName ? await flowStore.activeFor(input.agency, level, typeName) : null);
      const users = (await identity.listUsers({ agency: input.agency })).filter((u) => u.active);
      const membersOf = (role: string) =>
        users.filter((u) => u.roles.includes(role as never)).map((u) => u.username);
      const recipientLevels: string[] = [];
      for (const code of input.recipients) {
        const r = await identity.getAgency(code);
        if (r && !recipientLevels.includes(r.level)) recipientLevels.push(r.level);
      }
      const subject = {
        id: input.documentId,
        agency: input.agency,
        type: input.type,
        priority: input.priority,
        recipientLevels,
      };
      if (input.override) return resolveFlow(flowDefinitionOf(input.override), 0, subject, membersOf);
      if (active) return resolveFlow(active.definition, active.version, subject, membersOf);
      return resolveFlow(flowDefinitionOf(DEFAULT_APPROVAL_FLOW), 0, subject, membersOf);
    },

    /** Active users of an agency holding a role, sorted (escalation to a role). */
    async membersOfRole(input: { agency: string; role: string }): Promise<string[]> {
      const users = await identity.listUsers({ agency: input.agency });
      return users
        .filter((u) => u.active && u.roles.includes(input.role as never))
        .map((u) => u.username)
        .sort();
    },

    /** Applies the signer's personal signature with the server-held key (one step). */
    async signPersonal(input: StoredFileSigning & { username: string }): Promise<FileRef> {
      return signStored(
        input,
        { agency: input.agency, profile: 'personal', username: input.username },
        {
          reason: 'Ký duyệt văn bản',
          fieldName: `personal-${input.username}`,
          appearance: { kind: 'personal' },
        },
      );
    },

    /** Phase one of deferred signing for a token holder: prepares the PDF and returns what to sign. */
    async prepareDeferredSigning(input: {
      agency: string;
      username: string;
      file: FileRef;
      fileName: string;
      signingTime: string;
    }): Promise<{ prepared: FileRef; state: PreparedSignatureState; request: SigningRequest }> {
      return permanentAsFailure(async () => {
        const now = deps.clock();
        const cert = await deps.pki.activeCertificate(
          { agency: input.agency, profile: 'personal', username: input.username },
          now,
        );
        if (!cert) throw new LienthongError('CERT_NOT_FOUND', `no active certificate for ${input.username}`);
        const chain = [
          cert.certificate,
          await deps.pki.caCertificate('issuing'),
          await deps.pki.caCertificate('root'),
        ];
        const bytes = await files.get(input.file);
        const p = await prepareSignature(bytes, {
          certificateChain: chain,
          signingTime: new Date(input.signingTime),
          reason: 'Ký duyệt văn bản',
          fieldName: `personal-${input.username}`,
        });
        const prepared = await files.put(p.prepared!, { fileName: `${input.fileName}.prepared` });
        return {
          prepared,
          state: p.state,
          request: {
            toBeSigned: Buffer.from(p.toBeSigned).toString('base64'),
            toBeSignedDigest: Buffer.from(p.toBeSignedDigest).toString('base64'),
            hash: p.state.scheme.hash,
            keyAlgorithm: p.state.scheme.keyAlgorithm,
            certificate: Buffer.from(cert.certificate).toString('base64'),
          },
        };
      });
    },

    /** Phase two: checks the token's signature against the prepared state and embeds it. */
    async completeDeferredSigning(input: {
      prepared: FileRef;
      state: PreparedSignatureState;
      submission: SignatureSubmission;
      fileName: string;
    }): Promise<FileRef> {
      return permanentAsFailure(async () => {
        const prepared = await files.get(input.prepared);
        const result =
          'signatureValue' in input.submission
            ? { signatureValue: Buffer.from(input.submission.signatureValue, 'base64') }
            : { cms: Buffer.from(input.submission.cms, 'base64') };
        const signed = await completeSignature(prepared, input.state, result);
        return files.put(signed, { fileName: input.fileName });
      });
    },

    /** Gives the document its number from the agency's outgoing register (idempotent by document key). */
    async assignOutgoingNumber(input: {
      agency: string;
      year: number;
      documentKey: string;
    }): Promise<number> {
      const entry = await registers.assign(
        registerId(input.agency, 'outgoing', input.year),
        input.documentKey,
        deps.clock(),
      );
      return entry.number;
    },

    /** Registers an incoming document: the clerk's number when given (must be free), else the next one. */
    async assignIncomingNumber(input: {
      agency: string;
      year: number;
      documentKey: string;
      requested?: number;
    }): Promise<number> {
      return permanentAsFailure(async () => {
        const register = registerId(input.agency, 'incoming', input.year);
        const entry =
          input.requested === undefined
            ? await registers.assign(register, input.documentKey, deps.clock())
            : await registers.claim(register, input.documentKey, input.requested, deps.clock());
        return entry.number;
      });
    },

    /** Applies the issuing agency's organisation signature (the clerk's seal, Decree 30/2020 Art. 13). */
    async signOrganisation(input: StoredFileSigning): Promise<FileRef> {
      return signStored(
        input,
        { agency: input.agency, profile: 'organisation' },
        {
          reason: 'Phát hành văn bản',
          fieldName: 'organisation',
          appearance: { kind: 'organisation' },
        },
      );
    },

    /**
     * Puts the document into the Object Store (content-addressed, so a retry uploads nothing new) and publishes the
     * envelope to the recipient's inbox subject with a Nats-Msg-Id per (document, recipient, attempt): a retried
     * publish is dropped by the server's dedupe window.
     */
    async dispatchToRecipient(input: {
      envelope: Envelope;
      recipient: string;
      file: FileRef;
      /** Dedupe id of a message that is not a delivery attempt (a recall); default per attempt. */
      msgId?: string;
    }): Promise<{ seq: number; duplicate: boolean }> {
      await ensureTopology();
      const bucket = await documentBucket(deps.nats, names);
      for (const attachment of input.envelope.attachments) {
        const name = objectName(attachment.ref);
        const info = await bucket.info(name);
        if (info && info.size === attachment.size && !info.deleted) continue;
        const bytes = await files.get(input.file);
        if (sha256Hex(bytes) !== attachment.sha256)
          throw ApplicationFailure.nonRetryable('attachment does not match the stored file', 'HASH_FAILURE');
        await bucket.putBlob({ name }, bytes);
      }
      const js = jetstream(deps.nats);
      const ack = await js.publish(
        inboxSubject(input.recipient, names),
        encoder.encode(JSON.stringify(input.envelope)),
        {
          msgID:
            input.msgId ??
            `${input.envelope.from.code}:${input.envelope.messageId}:${input.recipient}:${input.envelope.attempt}`,
        },
      );
      return { seq: ack.seq, duplicate: ack.duplicate };
    },

    /** Publishes a status message to the sender's status subject (deduplicated per recipient and code). */
    async sendStatus(input: {
      status: StatusMessage;
      msgId: string;
    }): Promise<{ seq: number; duplicate: boolean }> {
      await ensureTopology();
      const js = jetstream(deps.nats);
      const ack = await js.publish(
        statusSubject(input.status.to, names),
        encoder.encode(JSON.stringify(input.status)),
        {
          msgID: input.msgId,
        },
      );
      return { seq: ack.seq, duplicate: ack.duplicate };
    },

    /**
     * Fetches every attachment from the Object Store, checks its SHA-256, stores the document, verifies every
     * signature (PAdES, Decree 30 layout) against the trust anchors and CRLs at receipt time, and stores the report.
     * A failed check is a result (`ok: false` with the reason), not an error.
     */
    async fetchAndVerifyIncoming(input: {
      envelope: Envelope;
      recipient: string;
      inboxId: string;
    }): Promise<{ file?: FileRef; verification: VerificationSummary }> {
      const now = deps.clock();
      const bucket = await documentBucket(deps.nats, names);
      const main = input.envelope.attachments[0]!;
      const fail = async (verdict: VerificationVerdict, hashMatches: boolean) => {
        const verification = failedSummary(verdict, now.toISOString(), hashMatches);
        await documents.saveVerification(input.recipient, input.inboxId, verification);
        return { verification };
      };
      let mainBytes: Uint8Array | undefined;
      for (const attachment of input.envelope.attachments) {
        const bytes = await bucket.getBlob(objectName(attachment.ref));
        if (!bytes)
          return fail(
            { code: 'PAYLOAD_MISSING', message: `${attachment.name} is not in the object store` },
            false,
          );
        if (bytes.length !== attachment.size || sha256Hex(bytes) !== attachment.sha256)
          return fail(
            {
              code: 'HASH_FAILURE',
              message: `${attachment.name} does not match the SHA-256 in the envelope`,
            },
            false,
          );
        if (attachment === main) mainBytes = bytes;
      }
      const file = await files.put(mainBytes!, { fileName: main.name, contentType: main.contentType });
      const trust = await deps.pki.trustMaterial(now);
      let report: Awaited<ReturnType<typeof verifyPdf>>;
      try {
        report = await verifyPdf(mainBytes!, {
          anchors: trust.anchors,
          intermediates: trust.intermediates,
          crls: trust.crls,
          at: now,
          decree30: { issuingAgency: input.envelope.from.name },
        });
      } catch (err) {
        // verifyPdf is a pure function of the bytes and the trust material read above: a file it cannot read (or
        // that trips it) fails the same way on every retry, so the recipient answers 02 with the reason at once.
        const verdict: VerificationVerdict = isPdfError(err)
          ? { code: 'UNREADABLE_PDF', message: `${err.code}: ${err.message}` }
          : { code: 'UNVERIFIABLE_PDF', message: err instanceof Error ? err.message : String(err) };
        return { file, ...(await fail(verdict, true)) };
      }
      const verdict = verdictOf(report);
      const full: VerificationSummary = {
        ...(verdict
          ? failedSummary(verdict, now.toISOString(), true)
          : { ok: true, checkedAt: now.toISOString(), hashMatches: true }),
        report: JSON.parse(JSON.stringify(report)) as unknown,
      };
      await documents.saveVerification(input.recipient, input.inboxId, full);
      const { report: _r, ...summary } = full;
      return { file, verification: summary };
    },
  };
}

export type ExchangeActivities = ReturnType<typeof createExchangeActivities>;
