import { defaultPayloadConverter } from '@temporalio/common';
import type { Db } from 'mongodb';
import { buildEnvelope, type EnvelopeInput } from '../exchange/envelope';
import type { AuditEvent } from '../schemas/audit';
import { STATUS_VERSION, type Envelope, type StatusMessage } from '../schemas/edxml';
import { LienthongError } from '../schemas/errors';
import { incomingId, type StatusCode, type VerificationSummary } from '../schemas/document';
import type { ReceivedDocumentInput } from '../schemas/exchange-messages';
import { DocumentStore, type IncomingView, type OutgoingView } from '../store/document-store';
import { readableAgencies } from '../store/identity-admin';
import type { AppDeps } from './deps';
import { temporalOf } from './exchange-support';

/**
 * What GET /documents/:id/edxml and /evidence read: the document as the caller's agency holds it (the sender's
 * outgoing record or a recipient's received copy), its envelope, its status messages, its verification reports
 * and its audit events. Readability is the other document routes' rule: the caller's agency (or one merged into
 * it) must hold the document, as sender or as recipient; anyone else gets the same 404 as for a missing id.
 */

export type ViewedDocument =
  | { side: 'sender'; agency: string; doc: OutgoingView }
  | { side: 'recipient'; agency: string; doc: IncomingView };

const dbOf = (deps: AppDeps): Db => {
  if (!deps.db) throw new LienthongError('DEPENDENCY_DOWN', 'MongoDB is not connected');
  return deps.db;
};

/**
 * The document `id` as the caller's agency holds it: its own outgoing document, else its received copy by inbox
 * id, else its received copy of the sender's document `id`.
 */
export async function viewedDocument(deps: AppDeps, agency: string, id: string): Promise<ViewedDocument> {
  const db = dbOf(deps);
  const documents = new DocumentStore(db);
  const agencies = await readableAgencies(db, agency);
  const out = await documents.getOutgoingAmong(agencies, id);
  if (out) return { side: 'sender', agency: out.agency, doc: out };
  const inc =
    (await documents.getIncomingAmong(agencies, id)) ??
    (await documents.findIncomingByMessageId(agencies, id));
  if (inc) return { side: 'recipient', agency: inc.agency, doc: inc };
  throw new LienthongError('NOT_FOUND', 'No such document');
}

/**
 * The sender's envelope rebuilt from its read model with the pure builder the workflow sends with (agency names
 * from today's directory, sentAt the first dispatch's record), when no recipient stored the one it received.
 */
async function senderEnvelope(deps: AppDeps, doc: OutgoingView): Promise<Envelope> {
  const dispatched = (doc.history ?? []).find((e) => e.event === 'document.dispatched');
  if (doc.number === undefined || !doc.notation || !doc.issuedAt || !dispatched)
    throw new LienthongError('WRONG_STATE', `the document has not been sent (state ${doc.state})`);
  const agency = await deps.identity.getAgency(doc.agency);
  const recipients = await Promise.all(
    doc.recipients.map(async (r) => ({
      code: r.agency,
      name: r.name ?? (await deps.identity.getAgency(r.agency))?.name ?? r.agency,
    })),
  );
  let amendment: EnvelopeInput['amendment'];
  if (doc.amendment) {
    const earlier = await new DocumentStore(dbOf(deps)).getOutgoing(doc.agency, doc.amendment.of);
    amendment = { ...doc.amendment, ofEdxmlId: earlier?.edxmlDocumentId ?? '' };
  }
  const input: EnvelopeInput = {
    documentId: doc.id,
    agency: {
      code: doc.agency,
      name: agency?.name ?? doc.agency,
      place: agency?.place,
      shortName: agency?.shortName,
    },
    recipients,
    type: doc.type,
    subject: doc.subject,
    priority: doc.priority,
    dueDate: doc.dueDate,
    fileName: doc.fileName,
    amendment,
  };
  const signer = doc.signer ?? (await signerFromHistory(deps, doc));
  return buildEnvelope(
    input,
    {
      issuedAt: doc.issuedAt,
      number: doc.number,
      notation: doc.notation,
      file: doc.file,
      signerInfo: signer,
    },
    1,
    dispatched.at,
  );
}

/** Who signed a document recorded before the read model kept its signer: the `document.signed` actor. */
async function signerFromHistory(deps: AppDeps, doc: OutgoingView) {
  const signed = [...(doc.history ?? [])].reverse().find((e) => e.event === 'document.signed');
  const user = signed ? await deps.identity.getUser(signed.actor) : null;
  const title = user?.title ?? '';
  return { fullName: user?.fullName ?? signed?.actor ?? 'Không rõ', title, competence: title.toUpperCase() };
}

/**
 * The envelope a recipient received: as stored at receipt, else (copies received before it was stored) the input
 * its received-document workflow was started with, while Temporal still holds that history.
 */
async function receivedEnvelope(deps: AppDeps, doc: IncomingView): Promise<Envelope> {
  const stored = await new DocumentStore(dbOf(deps)).getReceivedEnvelope(doc.agency, doc.id);
  if (stored) return stored;
  try {
    const history = await temporalOf(deps).workflow.getHandle(doc.workflowId).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const input = payload ? defaultPayloadConverter.fromPayload<ReceivedDocumentInput>(payload) : undefined;
    if (input?.envelope) return input.envelope;
  } catch {
    // The history is gone (retention) or unreadable: the envelope is not available.
  }
  throw new LienthongError('NOT_FOUND', 'The envelope of this received document is no longer available');
}

/**
 * The envelope as it travelled, when a recipient in the province stored it at receipt (names and times as they were
 * then; the first delivery of that recipient).
 */
async function deliveredEnvelope(deps: AppDeps, doc: OutgoingView): Promise<Envelope | undefined> {
  const documents = new DocumentStore(dbOf(deps));
  for (const r of doc.recipients) {
    const e = await documents.getReceivedEnvelope(r.agency, incomingId(doc.agency, doc.id));
    if (e && e.messageId === doc.id && e.from.code === doc.agency) return e;
  }
  return undefined;
}

export async function envelopeOf(deps: AppDeps, viewed: ViewedDocument): Promise<Envelope> {
  if (viewed.side === 'recipient') return receivedEnvelope(deps, viewed.doc);
  return (await deliveredEnvelope(deps, viewed.doc)) ?? senderEnvelope(deps, viewed.doc);
}

/** The id of the document in the viewer's audit chain. */
export const chainDocumentId = (viewed: ViewedDocument) => viewed.doc.id;

/** The document's audit events and its agency's chain from the first of them to the head. */
export async function auditOf(
  deps: AppDeps,
  viewed: ViewedDocument,
): Promise<{ events: AuditEvent[]; chain: AuditEvent[] }> {
  const events = (
    await deps.audit.list({ agency: viewed.agency, documentId: chainDocumentId(viewed) }, 10_000)
  ).sort((a, b) => a.seq - b.seq);
  if (events.length === 0) return { events, chain: [] };
  return { events, chain: await deps.audit.chainFrom(viewed.agency, events[0]!.seq) };
}

const STATUS_EVENTS = new Set([
  'document.status_received',
  'document.recall_answered',
  'incoming.status_sent',
]);

/**
 * Every status message of the exchange as the viewer's audit chain recorded it: those the sender received from
 * each recipient, or those a recipient sent, each with the message's own time as the event recorded it.
 */
export function statusMessagesOf(
  viewed: ViewedDocument,
  envelope: Envelope,
  events: readonly AuditEvent[],
  nameOf: (code: string) => string,
): Array<{ status: StatusMessage; event: AuditEvent }> {
  const out: Array<{ status: StatusMessage; event: AuditEvent }> = [];
  for (const event of events) {
    const d = event.details as { statusCode?: string; recipient?: string; reason?: string; at?: string };
    if (!STATUS_EVENTS.has(event.type) || !d.statusCode) continue;
    const fromCode = viewed.side === 'sender' ? (d.recipient ?? '') : viewed.agency;
    out.push({
      event,
      status: {
        version: STATUS_VERSION,
        messageId: envelope.messageId,
        edxmlDocumentId: envelope.documentId,
        from: { code: fromCode, name: nameOf(fromCode) },
        to: envelope.from.code,
        statusCode: d.statusCode as StatusCode,
        reason: d.reason,
        staff: event.actor,
        // The message's own time; events recorded before it was kept hold only their own.
        at: d.at ?? event.time,
      },
    });
  }
  return out;
}

/** Verification reports made at receipt: the recipient's own, or every recipient's of the sender's document. */
export async function verificationReportsOf(
  deps: AppDeps,
  viewed: ViewedDocument,
): Promise<Array<{ agency: string; report: VerificationSummary }>> {
  const documents = new DocumentStore(dbOf(deps));
  const wanted =
    viewed.side === 'recipient'
      ? [{ agency: viewed.agency, id: viewed.doc.id }]
      : viewed.doc.recipients.map((r) => ({
          agency: r.agency,
          id: incomingId(viewed.agency, viewed.doc.id),
        }));
  const out: Array<{ agency: string; report: VerificationSummary }> = [];
  for (const w of wanted) {
    const report = await documents.getVerification(w.agency, w.id);
    if (report) out.push({ agency: w.agency, report });
  }
  return out;
}
