import type { AuditEventType } from '../schemas/audit-events';
import { binOf } from './histogram';
import { vnDay } from './period';

/**
 * The one mapping from audit events to KPI effects. Every KPI counter and every open item is a function of the
 * audit trail through this module only: the incremental updater (`KpiStore.apply`) and the rebuild
 * (`KpiStore.rebuildFromAudit`) both call {@link lookupsFor} and {@link effectsOf}, so they cannot disagree.
 *
 * Event types and the `details` fields read here are those written by the exchange workflows
 * (workflows/document.ts, workflows/received-document.ts), the paper register (api/routes/paper-documents.ts) and,
 * for approval deadlines, the names assumed for the flows issue (see kpi/README.md, "Event types").
 */
export const KpiEventTypes = {
  /** Sender: the signer applied the personal signature. Opens "not yet sent". */
  documentSigned: 'document.signed',
  /** Sender: the clerk applied the organisation signature (issue, "phát hành"); the issue time. */
  documentSealed: 'document.sealed',
  /** Sender: first dispatch to one recipient (`details.recipient`). */
  documentDispatched: 'document.dispatched',
  /** Sender: no `01` after every resend (`details.recipient`). */
  documentSendFailed: 'document.send_failed',
  /** Sender: a recipient's status arrived (`details.recipient`, `details.statusCode`, `details.reason`). */
  documentStatusReceived: 'document.status_received',
  /** Sender: returned to the drafter in approval (`details.reason`). */
  documentReturned: 'document.returned',
  /** Approval decisions that close the open stage (and with it an overdue approval). */
  documentApprovalStep: 'document.approval_step',
  documentStageCompleted: 'document.stage_completed',
  documentStageSkipped: 'document.stage_skipped',
  documentApproved: 'document.approved',
  /** The deadline passed and the stage escalated; with `details.to` (kind `stage`) a new stage opens. */
  documentEscalated: 'document.escalated',
  documentWithdrawn: 'document.withdrawn',
  /** A dispatched document was recalled (the sender's workflow ends with it). */
  documentRecalled: 'document.recalled',
  documentCompleted: 'document.completed',
  /** A newer version (update or replacement) of the document was dispatched; it no longer awaits answers. */
  documentSuperseded: 'document.superseded',
  /** An approval stage passed its deadline (`details.stage`, `details.deadlineAt`). */
  approvalOverdue: 'document.approval_overdue',
  /** Recipient: a delivery arrived (`details.from` = sender). */
  incomingReceived: 'incoming.received',
  /** Recipient: every signature valid, chain to the root, not revoked, hash matches (`details.from`). */
  incomingVerified: 'incoming.verified',
  /**
   * Recipient: verification failed (`details.from`, `details.verdict` = { code, message }; events recorded before
   * verdicts carry only `details.reason` = "CODE: text").
   */
  incomingVerificationFailed: 'incoming.verification_failed',
  /** Recipient: a status was sent back (`details.statusCode`: 01-06, 15/16 answers to a recall; `details.reason`). */
  incomingStatusSent: 'incoming.status_sent',
  /** Recipient: a newer version superseded this copy; it no longer waits for acceptance. */
  incomingSuperseded: 'incoming.superseded',
  /** A clerk registered a paper document (api/routes/paper-documents.ts). */
  paperRegistered: 'paper.registered',
} as const satisfies Record<string, AuditEventType>;

/** Counter names (fields of the per agency × day document). Sub-keys follow a colon. */
export const Dims = {
  /** Electronic deliveries received and checked, attributed to the sender, on the day of the check. */
  electronic: 'el',
  /** Of those, verified valid. */
  electronicValid: 'el_valid',
  /** Paper deliveries (sender → each recipient) on the document's date, not also sent electronically. */
  paper: 'paper',
  /** Paper registrations of documents also sent electronically (shown, not in the denominator). */
  paperAlsoElectronic: 'paper_also_el',
  /** Dispatches to a recipient (first attempt), by the sending agency. */
  sent: 'sent',
  /** Documents issued (organisation signature applied). */
  issued: 'issued',
  sendFailed: 'send_failed',
  returned: 'returned',
  rejected: 'rejected',
  verificationFailed: 'vfail',
  /** Acceptances (`03`) by the recipient. */
  accepted: 'accepted',
  approvalOverdue: 'overdue',
} as const;

/** Histogram dims: `i2a:<bin>` issue → acceptance at the sender, `ack:<bin>` receipt → `03` at the recipient. */
export const HistogramDims = { issueToAcceptance: 'i2a', receiptToAcceptance: 'ack' } as const;

/** Reason sub-keys: `returned:<reason>`, `rejected:<reason>`, `vfail:<code>`. */
export const ReasonDims = [Dims.returned, Dims.rejected, Dims.verificationFailed] as const;

export interface KpiEvent {
  id: string;
  time: string;
  agency: string;
  type: string;
  documentId?: string;
  details: Record<string, unknown>;
}

/** Add `n` to counter `dim` of `agency` on `day`. */
export interface Increment {
  agency: string;
  day: string;
  dim: string;
  n: number;
}

export type OpenKind = 'unsent' | 'issued' | 'await03' | 'overdue';

/**
 * Something open now: `unsent` (signed, not dispatched), `issued` (issued, some recipient has not answered; holds
 * the issue time for issue → acceptance), `await03` (received, neither accepted nor rejected; holds the receipt
 * time), `overdue` (an approval past its deadline).
 */
export interface OpenItem {
  id: string;
  kind: OpenKind;
  agency: string;
  documentId: string;
  since: string;
  from?: string;
  pending?: string[];
}

export type OpenOp =
  | { op: 'open'; item: OpenItem }
  | { op: 'close'; id: string }
  | { op: 'addPending'; id: string; recipient: string }
  /** Removes a recipient from `pending`, and closes the item when none is left. */
  | { op: 'settle'; id: string; recipient: string };

export interface EventEffects {
  increments: Increment[];
  ops: OpenOp[];
}

export const openItemId = (kind: OpenKind, agency: string, documentId: string): string =>
  `${kind}|${agency}|${documentId}`;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * A stable key for a free-text reason: a leading `CODE:` (as in "HASH_FAILURE: …") when present, otherwise the text
 * with whitespace collapsed, cut to 80 characters. Characters MongoDB reserves in field names are escaped.
 */
export function reasonKey(reason: unknown): string {
  const text = typeof reason === 'string' ? reason.replace(/\s+/g, ' ').trim() : '';
  if (!text) return 'UNSPECIFIED';
  const code = /^([A-Z][A-Z0-9_]{2,60})\s*:/.exec(text)?.[1];
  return escapeKey(code ?? text.slice(0, 80));
}

/**
 * The `vfail:<code>` sub-key of a verification failure: the structured `details.verdict.code`, so rewording the
 * human message never moves a count. Events recorded before verdicts existed have only `details.reason`
 * ("CODE: text"), parsed as it always was: audit events are permanent and must keep counting under the same key.
 */
export function verdictKey(details: Record<string, unknown>): string {
  const verdict = details.verdict;
  const code =
    typeof verdict === 'object' && verdict !== null ? str((verdict as { code?: unknown }).code) : undefined;
  return code ? escapeKey(code) : reasonKey(details.reason);
}

/** Escapes `%`, `.` and `$` so any text can be a MongoDB field name. */
export function escapeKey(text: string): string {
  return text.replace(/[%.$]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function unescapeKey(key: string): string {
  return key.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Ids of the open items {@link effectsOf} needs to see for this event (read before computing the effects). */
export function lookupsFor(event: KpiEvent): string[] {
  const doc = event.documentId;
  if (!doc) return [];
  if (event.type === KpiEventTypes.documentStatusReceived && event.details.statusCode === '03')
    return [openItemId('issued', event.agency, doc)];
  if (event.type === KpiEventTypes.incomingStatusSent && event.details.statusCode === '03')
    return [openItemId('await03', event.agency, doc)];
  return [];
}

/**
 * The counters an event adds to and the open items it opens or closes. Pure: depends only on the event and on the
 * open items named by {@link lookupsFor} as they stood when the event was appended (events of one workflow are
 * applied in order, because the activity that appends one completes before the workflow appends the next).
 */
export function effectsOf(event: KpiEvent, found: ReadonlyMap<string, OpenItem>): EventEffects {
  const increments: Increment[] = [];
  const ops: OpenOp[] = [];
  const day = vnDay(event.time);
  const d = event.details ?? {};
  const doc = event.documentId;
  const add = (agency: string, dim: string, n = 1, on = day) => increments.push({ agency, day: on, dim, n });
  const open = (kind: OpenKind, extra: Partial<OpenItem> = {}) => {
    if (doc)
      ops.push({
        op: 'open',
        item: {
          id: openItemId(kind, event.agency, doc),
          kind,
          agency: event.agency,
          documentId: doc,
          since: event.time,
          ...extra,
        },
      });
  };
  const close = (...kinds: OpenKind[]) => {
    if (doc) for (const kind of kinds) ops.push({ op: 'close', id: openItemId(kind, event.agency, doc) });
  };
  const recipient = str(d.recipient);

  switch (event.type) {
    case KpiEventTypes.documentSigned:
      open('unsent');
      break;
    case KpiEventTypes.documentSealed:
      add(event.agency, Dims.issued);
      open('issued', { pending: [] });
      break;
    case KpiEventTypes.documentDispatched:
      // An update (BusinessDocType 2) re-sends the same signed document with corrected metadata: not a new one.
      if (d.businessDocType === 2) break;
      add(event.agency, Dims.sent);
      close('unsent');
      if (doc && recipient)
        ops.push({ op: 'addPending', id: openItemId('issued', event.agency, doc), recipient });
      break;
    case KpiEventTypes.documentSendFailed:
      add(event.agency, Dims.sendFailed);
      if (doc && recipient)
        ops.push({ op: 'settle', id: openItemId('issued', event.agency, doc), recipient });
      break;
    case KpiEventTypes.documentStatusReceived: {
      const code = d.statusCode;
      if (code === '03' && doc) {
        const issued = found.get(openItemId('issued', event.agency, doc));
        if (issued) {
          const at = str(d.at) ?? event.time;
          add(
            event.agency,
            `${HistogramDims.issueToAcceptance}:${binOf(Date.parse(at) - Date.parse(issued.since))}`,
          );
        }
      } else if (code === '02') {
        add(event.agency, Dims.rejected);
        add(event.agency, `${Dims.rejected}:${reasonKey(d.reason)}`);
      }
      if ((code === '03' || code === '02') && doc && recipient)
        ops.push({ op: 'settle', id: openItemId('issued', event.agency, doc), recipient });
      break;
    }
    case KpiEventTypes.documentReturned:
      add(event.agency, Dims.returned);
      add(event.agency, `${Dims.returned}:${reasonKey(d.reason)}`);
      close('overdue');
      break;
    case KpiEventTypes.documentApprovalStep:
    case KpiEventTypes.documentStageCompleted:
    case KpiEventTypes.documentStageSkipped:
    case KpiEventTypes.documentApproved:
      close('overdue');
      break;
    case KpiEventTypes.documentEscalated:
      // Handing the stage to other approvers keeps it overdue; jumping to another stage opens a fresh one.
      if (str(d.to)) close('overdue');
      break;
    case KpiEventTypes.documentWithdrawn:
    case KpiEventTypes.documentRecalled:
      close('unsent', 'issued', 'overdue');
      break;
    case KpiEventTypes.documentCompleted:
    case KpiEventTypes.documentSuperseded:
      close('issued');
      break;
    case KpiEventTypes.incomingSuperseded:
      close('await03');
      break;
    case KpiEventTypes.approvalOverdue:
      add(event.agency, Dims.approvalOverdue);
      open('overdue');
      break;
    case KpiEventTypes.incomingReceived:
      open('await03', { from: str(d.from) });
      break;
    case KpiEventTypes.incomingVerified:
    case KpiEventTypes.incomingVerificationFailed: {
      const sender = str(d.from);
      if (!sender || d.businessDocType === 2) break;
      add(sender, Dims.electronic);
      if (event.type === KpiEventTypes.incomingVerified) add(sender, Dims.electronicValid);
      else {
        add(sender, Dims.verificationFailed);
        add(sender, `${Dims.verificationFailed}:${verdictKey(d)}`);
      }
      break;
    }
    case KpiEventTypes.incomingStatusSent: {
      const code = d.statusCode;
      if (code === '03' && doc) {
        add(event.agency, Dims.accepted);
        const waiting = found.get(openItemId('await03', event.agency, doc));
        if (waiting)
          add(
            event.agency,
            `${HistogramDims.receiptToAcceptance}:${binOf(Date.parse(event.time) - Date.parse(waiting.since))}`,
          );
      }
      // 15: the recipient agreed to a recall, so the copy no longer waits for acceptance.
      if (code === '03' || code === '02' || code === '15') close('await03');
      break;
    }
    case KpiEventTypes.paperRegistered: {
      const from = str(d.from);
      const date = str(d.date);
      const to = Array.isArray(d.to)
        ? d.to.filter((x): x is string => typeof x === 'string' && x !== from)
        : [];
      if (!from || !date || to.length === 0) break;
      add(from, d.alsoElectronic === true ? Dims.paperAlsoElectronic : Dims.paper, new Set(to).size, date);
      break;
    }
  }
  return { increments, ops };
}

/** Groups increments by counter document (`agency|day`), summing equal dims. */
export function groupIncrements(
  increments: Increment[],
): Map<string, { agency: string; day: string; dims: Record<string, number> }> {
  const out = new Map<string, { agency: string; day: string; dims: Record<string, number> }>();
  for (const i of increments) {
    const key = dayDocId(i.agency, i.day);
    let g = out.get(key);
    if (!g) out.set(key, (g = { agency: i.agency, day: i.day, dims: {} }));
    g.dims[i.dim] = (g.dims[i.dim] ?? 0) + i.n;
  }
  return out;
}

export const dayDocId = (agency: string, day: string): string => `${agency}|${day}`;
export const monthDocId = (agency: string, month: string): string => `${agency}|${month}`;
