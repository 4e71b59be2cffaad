import { createHash } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { EdxmlError } from '../edxml/dom';
import { readEdxml } from '../edxml/read';
import { verifyEdxml } from '../edxml/signature';
import { edxmlToEnvelope, edxmlToStatus, type StoredAttachment } from '../edxml/to-lienthong';
import { documentBucket, ensureExchangeTopology } from '../infra/exchange-nats';
import { inboxSubject, statusSubject, type ExchangeNames } from '../schemas/edxml';
import type {
  EdxmlEnvelope,
  EdxmlMessage,
  EdxmlStatusMessage,
  SignatureVerdict,
} from '../schemas/edxml-wire';
import { LienthongError } from '../schemas/errors';
import type { EdxmlGatewayStore } from '../store/edxml-gateway-store';
import type { IdentityStore } from '../store/identity-store';
import type { TrustMaterial } from '../store/pki-store';

/**
 * Inbound half of the edXML gateway: an edXML envelope or status from the national platform, already
 * authenticated as the external system, is verified (XMLDSig against the province's anchors, then the configured
 * external ones), mapped to lienthong's envelope or status and published on the addressed agency's subject, where
 * the agency's own consumer takes it (receipt workflow: verification, 01/02, clerk actions; or the sender's
 * document workflow). Every refusal is a LienthongError with the element or rule at fault.
 */

export interface EdxmlInboxDeps {
  nats: NatsConnection;
  identity: IdentityStore;
  sent: EdxmlGatewayStore;
  names: ExchangeNames;
  /** Copies of the exchange streams and the documents bucket (NATS_REPLICAS); default 1. */
  replicas?: number;
  clock: () => Date;
  /** The province's anchors and CRLs (absent before the CA exists). */
  provinceTrust: (now: Date) => Promise<TrustMaterial | undefined>;
  /** Extra anchors for the platform's and ministries' signatures (`EDXML_TRUST_ANCHORS`). */
  externalAnchors: Uint8Array[];
}

export type InboxOutcome =
  | {
      kind: 'envelope';
      documentId: string;
      messageId: string;
      recipients: string[];
      duplicate: boolean;
      signer?: string;
      notes: string[];
    }
  | {
      kind: 'status';
      documentId: string;
      statusCode: string;
      to: string;
      duplicate: boolean;
      signer?: string;
      notes: string[];
    };

/** lienthong's id of a document received from outside: stable per sender and DocumentId, safe in URLs and ids. */
export function externalMessageId(from: string, documentId: string): string {
  return `edxml-${createHash('sha256').update(`${from}\n${documentId}`).digest('hex').slice(0, 32)}`;
}

/**
 * The signature verdict: the province's anchors first (with its CRLs), then the external ones (their revocation
 * data is not at hand: checked without, documented in the README).
 */
async function verifySignature(deps: EdxmlInboxDeps, xml: string): Promise<SignatureVerdict> {
  const at = deps.clock();
  const province = await deps.provinceTrust(at);
  let verdict = province
    ? await verifyEdxml(xml, { anchors: province.anchors, crls: province.crls, at })
    : undefined;
  if (!verdict || !verdict.valid) {
    const external = await verifyEdxml(xml, { anchors: deps.externalAnchors, at });
    if (external && (external.valid || !verdict)) verdict = external;
  }
  if (!verdict)
    throw new LienthongError('SIGNATURE_INVALID', 'the edXML message carries no XMLDSig signature');
  if (!verdict.intact || !verdict.coversHeader)
    throw new LienthongError('SIGNATURE_INVALID', `XMLDSig: ${verdict.reason ?? 'not valid'}`);
  if (!verdict.valid)
    throw new LienthongError(
      'CERT_UNTRUSTED',
      `XMLDSig signer not trusted: ${verdict.reason ?? 'no valid path'}`,
      {
        signer: verdict.signer,
      },
    );
  return verdict;
}

/** The sender named in the message must be an agency outside the province: the platform never speaks for ours. */
async function externalSender(
  deps: EdxmlInboxDeps,
  code: string | undefined,
  where: string,
): Promise<string> {
  const c = code?.trim();
  if (!c) throw new LienthongError('VALIDATION_FAILED', `${where}: missing`);
  const agency = await deps.identity.getAgency(c);
  if (!agency || !agency.external || !agency.active)
    throw new LienthongError(
      'FORBIDDEN',
      `${where} ${c} is not an external agency of the directory; the platform may speak only for those`,
    );
  return c;
}

const PDF = (a: EdxmlEnvelope['attachments'][number]) =>
  /pdf/i.test(a.contentType ?? '') || /\.pdf$/i.test(a.attachmentName ?? '');

/** Decodes the inline attachments into the Object Store (content-addressed), the PDF first. */
async function storeAttachments(deps: EdxmlInboxDeps, env: EdxmlEnvelope): Promise<StoredAttachment[]> {
  const inline = env.attachments.filter((a) => a.contentBase64);
  const main = inline.findIndex(PDF);
  if (main < 0)
    throw new LienthongError('VALIDATION_FAILED', 'AttachmentEncoded: no PDF attachment with content');
  const ordered = [inline[main]!, ...inline.filter((_, i) => i !== main)];
  const bucket = await documentBucket(deps.nats, deps.names, deps.replicas);
  const out: StoredAttachment[] = [];
  for (const [i, a] of ordered.entries()) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(a.contentBase64!))
      throw new LienthongError(
        'VALIDATION_FAILED',
        `Attachment ${a.attachmentName ?? i}: content is not base64`,
      );
    const bytes = new Uint8Array(Buffer.from(a.contentBase64!, 'base64'));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const info = await bucket.info(sha256);
    if (!info || info.deleted || info.size !== bytes.length) await bucket.putBlob({ name: sha256 }, bytes);
    out.push({
      name: (a.attachmentName?.trim() || `tep-dinh-kem-${i + 1}${PDF(a) ? '.pdf' : ''}`).slice(0, 255),
      contentType: (a.contentType?.trim() || (PDF(a) ? 'application/pdf' : 'application/octet-stream')).slice(
        0,
        100,
      ),
      sha256,
      size: bytes.length,
      ref: `${deps.names.bucket}/${sha256}`,
    });
  }
  return out;
}

async function acceptEnvelope(
  deps: EdxmlInboxDeps,
  m: EdxmlEnvelope,
  verdict: SignatureVerdict,
): Promise<InboxOutcome> {
  const from = await externalSender(deps, m.header.from?.organId, 'MessageHeader/From/OrganId');
  const notes: string[] = [];
  const recipients: string[] = [];
  for (const to of m.header.to) {
    const code = to.organId?.trim();
    const agency = code ? await deps.identity.getAgency(code) : null;
    if (agency && agency.active && !agency.external) recipients.push(agency.code);
    else
      notes.push(`MessageHeader/To ${code ?? '(no OrganId)'}: not an agency of this province; not delivered`);
  }
  if (recipients.length === 0)
    throw new LienthongError(
      'UNKNOWN_AGENCY',
      'MessageHeader/To: no recipient is an agency of this province',
    );
  const documentId = m.header.documentId?.trim() ?? '';
  const messageId = externalMessageId(from, documentId);
  const mapped = edxmlToEnvelope(m, {
    messageId,
    attachments: await storeAttachments(deps, m),
    messageIdOf: (id) => externalMessageId(from, id),
    now: deps.clock(),
  });
  if (!mapped.ok)
    throw new LienthongError(
      'VALIDATION_FAILED',
      `not a usable edXML envelope: ${mapped.problems.join('; ')}`,
    );
  const js = jetstream(deps.nats);
  let duplicate = true;
  for (const r of recipients) {
    const ack = await js.publish(inboxSubject(r, deps.names), JSON.stringify(mapped.value), {
      msgID: `edxml:${messageId}:${r}:${mapped.value.businessDocType}`,
    });
    duplicate &&= ack.duplicate;
  }
  return {
    kind: 'envelope',
    documentId,
    messageId,
    recipients,
    duplicate,
    signer: verdict.signer,
    notes: [...notes, ...mapped.notes],
  };
}

async function acceptStatus(
  deps: EdxmlInboxDeps,
  m: EdxmlStatusMessage,
  verdict: SignatureVerdict,
): Promise<InboxOutcome> {
  const from = await externalSender(deps, m.status.from?.organId, 'Status/From/OrganId');
  const documentId = m.status.responseFor?.documentId?.trim();
  if (!documentId) throw new LienthongError('VALIDATION_FAILED', 'Status/ResponseFor/DocumentId: missing');
  const sent = await deps.sent.findSent(documentId);
  if (!sent) throw new LienthongError('NOT_FOUND', `no document ${documentId} was sent through this gateway`);
  if (!sent.to.includes(from))
    throw new LienthongError('FORBIDDEN', `document ${documentId} was not sent to ${from}`);
  const mapped = edxmlToStatus(m, { messageId: sent.messageId, to: sent.agency, now: deps.clock() });
  if (!mapped.ok)
    throw new LienthongError('VALIDATION_FAILED', `not a usable edXML status: ${mapped.problems.join('; ')}`);
  const s = mapped.value;
  const ack = await jetstream(deps.nats).publish(statusSubject(sent.agency, deps.names), JSON.stringify(s), {
    msgID: `edxml-status:${from}:${sent.messageId}:${s.statusCode}`,
  });
  return {
    kind: 'status',
    documentId,
    statusCode: s.statusCode,
    to: sent.agency,
    duplicate: ack.duplicate,
    signer: verdict.signer,
    notes: mapped.notes,
  };
}

/** Accepts one edXML message (already decoded to text) from the authenticated external system. */
export async function acceptEdxml(deps: EdxmlInboxDeps, xml: string): Promise<InboxOutcome> {
  let m: EdxmlMessage;
  try {
    m = readEdxml(xml);
  } catch (err) {
    if (err instanceof EdxmlError) throw new LienthongError('BAD_REQUEST', err.message);
    throw err;
  }
  const verdict = await verifySignature(deps, xml);
  await ensureExchangeTopology(deps.nats, deps.names, { replicas: deps.replicas });
  return m.kind === 'envelope' ? acceptEnvelope(deps, m, verdict) : acceptStatus(deps, m, verdict);
}
