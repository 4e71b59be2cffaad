import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
  type ActivityFailure,
} from '@temporalio/workflow';
import type { ExchangeActivities } from '../activities/exchange';
import type { PreparedSignatureState } from '../pdf';
import {
  DEFAULT_APPROVAL_FLOW,
  DocumentTypes,
  FINAL_STATUS_CODES,
  type Actor,
  type ApprovalFlow,
  type DocumentState,
  type FileRef,
  type HistoryEntry,
  type RecipientStatusCode,
  type RecipientView,
  type SigningRequest,
  type StatusCode,
} from '../schemas/document';
import {
  DOCUMENT_BUCKET,
  ENVELOPE_VERSION,
  edxmlDocumentId,
  type Envelope,
  type StatusMessage,
} from '../schemas/edxml';
import type { Role } from '../schemas/identity';
import type { OutgoingView } from '../store/document-store';
import {
  approveUpdate,
  documentSnapshotQuery,
  issueUpdate,
  recipientStatusSignal,
  rejectUpdate,
  requestSigningUpdate,
  signUpdate,
  submitSignatureUpdate,
  submitUpdate,
  withdrawUpdate,
  type ActionOutcome,
  type DocumentSnapshot,
  type DocumentWorkflowInput,
} from './exchange-messages';

const quick = proxyActivities<ExchangeActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});
const heavy = proxyActivities<ExchangeActivities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
});

/** Code order of statuses: a later report never moves a recipient backwards. */
const ORDER: Record<RecipientStatusCode, number> = {
  PENDING: 0,
  '01': 1,
  '03': 3,
  '04': 4,
  '05': 5,
  '02': 9,
  '06': 9,
  SEND_FAILED: 9,
};

interface RecipientTrack {
  code: string;
  name: string;
  statusCode: RecipientStatusCode;
  statusAt: string | null;
  reason?: string;
  attempts: number;
  lastSentAt?: number;
}

function refuse(code: 'FORBIDDEN' | 'WRONG_STATE' | 'CONFLICT', message: string): never {
  throw ApplicationFailure.nonRetryable(message, code);
}

/** Re-raises an activity failure from an update handler with the root cause's code as its type. */
function rethrow(err: unknown): never {
  const cause = (err as ActivityFailure).cause as ApplicationFailure | undefined;
  if (cause && typeof cause.type === 'string')
    throw ApplicationFailure.nonRetryable(cause.message, cause.type, ...(cause.details ?? []));
  throw err;
}

/** Date in Vietnam (UTC+7, no daylight saving) as yyyy-MM-dd. */
function vietnamDate(ms: number): string {
  return new Date(ms + 7 * 3600_000).toISOString().slice(0, 10);
}

function agencyNotation(shortName: string | undefined, code: string): string {
  const first = (shortName ?? '').split(/\s+/)[0] ?? '';
  return first.length > 0 ? first : code.split('.').slice(-2).join('');
}

/**
 * One outgoing document ("văn bản đi") from draft to the last recipient's final status.
 *
 * Human steps arrive as updates with validators (refused synchronously for a wrong role, state or user); the clerk's
 * issue assigns the number from the agency register, applies the organisation signature, and the workflow then
 * dispatches to every recipient over NATS JetStream, tracks each recipient's edXML status and resends when no
 * `01` arrives in time (reception awareness), flagging SEND_FAILED after the last attempt. Workflow id:
 * `doc:<agencyCode>:<documentId>`. Files are passed as `{ref, sha256, size}`; their bytes never enter history.
 */
export async function documentWorkflow(input: DocumentWorkflowInput): Promise<DocumentSnapshot> {
  const workflowId = workflowInfo().workflowId;
  let state: DocumentState = 'DRAFT';
  let file: FileRef = input.file;
  let flow: ApprovalFlow | undefined;
  let step = 0;
  let busy = false;
  let issued = false;
  let number: number | undefined;
  let notation: string | undefined;
  let issuedAt: string | undefined;
  let signerInfo: { fullName: string; title: string; competence: string } | undefined;
  let pending:
    | { username: string; prepared: FileRef; state: PreparedSignatureState; request: SigningRequest }
    | undefined;
  let version = 0;
  let auditSeq = 0;
  const history: HistoryEntry[] = [];
  const inbox: StatusMessage[] = [];
  const recipients: RecipientTrack[] = input.recipients.map((r) => ({
    code: r.code,
    name: r.name,
    statusCode: 'PENDING',
    statusAt: null,
    attempts: 0,
  }));

  const nowIso = () => new Date().toISOString();

  const recipientViews = (): RecipientView[] =>
    recipients.map((r) => ({
      agency: r.code,
      name: r.name,
      statusCode: r.statusCode,
      statusAt: r.statusAt,
      reason: r.reason,
      attempts: r.attempts,
    }));

  const view = (): OutgoingView => ({
    id: input.documentId,
    agency: input.agency.code,
    state,
    type: input.type,
    subject: input.subject,
    number,
    notation,
    createdBy: input.createdBy,
    createdAt: input.createdAt,
    updatedAt: nowIso(),
    priority: input.priority,
    dueDate: input.dueDate,
    fileName: input.fileName,
    file,
    issuedAt,
    edxmlDocumentId:
      number !== undefined && notation && issuedAt
        ? edxmlDocumentId(input.agency.code, issuedAt, number, notation)
        : undefined,
    sendFailed: recipients.some((r) => r.statusCode === 'SEND_FAILED') || undefined,
    recipients: recipientViews(),
    history: [...history],
    version: ++version,
  });

  /** Audits one event and refreshes the read model (one idempotent activity; id = workflow id + sequence). */
  const record = async (
    type: string,
    actor: string,
    details: Record<string, unknown> = {},
    comment?: string,
  ) => {
    const at = nowIso();
    history.push({ at, event: type, actor, state, comment });
    const seq = ++auditSeq;
    await quick.recordDocumentEvent({
      event: {
        id: `${workflowId}#${seq}`,
        time: at,
        agency: input.agency.code,
        actor,
        type,
        documentId: input.documentId,
        details: { state, ...details },
      },
      outgoing: view(),
    });
  };

  const requireAgency = (actor: Actor) => {
    if (actor.agency !== input.agency.code) refuse('FORBIDDEN', 'the document belongs to another agency');
  };
  const requireRole = (actor: Actor, ...roles: Role[]) => {
    requireAgency(actor);
    if (!actor.roles.some((r) => roles.includes(r)))
      refuse('FORBIDDEN', `this step needs one of the roles: ${roles.join(', ')}`);
  };
  const requireState = (...states: DocumentState[]) => {
    if (busy) refuse('CONFLICT', 'another step on this document is in progress');
    if (!states.includes(state)) refuse('WRONG_STATE', `not allowed in state ${state}`);
  };
  const currentStep = () => flow?.steps[step];
  const outcome = (): ActionOutcome => ({ state, number, notation });

  /** Runs a step that calls activities; `busy` keeps a second step from passing validation meanwhile. */
  const exclusive = async <T>(work: () => Promise<T>): Promise<T> => {
    busy = true;
    try {
      return await work();
    } catch (err) {
      rethrow(err);
    } finally {
      busy = false;
    }
  };

  const afterApproval = async (actor: Actor) => {
    if (flow && step >= flow.steps.length) {
      state = 'APPROVED';
      await record('document.approved', actor.username, { flow: flow.name });
    }
  };

  // Recorded before the handlers are set: an update delivered in the first activation runs on setHandler.
  const created = record('document.created', input.createdBy, {
    fileName: input.fileName,
    sha256: input.file.sha256,
  });

  setHandler(documentSnapshotQuery, () => ({
    id: input.documentId,
    state,
    file,
    number,
    notation,
    issuedAt,
    busy,
    approvalStep: step,
    flow,
    recipients: recipientViews(),
    history: [...history],
    pendingSigning: pending ? { username: pending.username, request: pending.request } : undefined,
  }));

  setHandler(
    submitUpdate,
    (actor) =>
      exclusive(async () => {
        // Pinned here: a later change of the agency's flow does not affect this submission.
        flow = input.flow ?? DEFAULT_APPROVAL_FLOW;
        step = 0;
        state = 'IN_APPROVAL';
        await record('document.submitted', actor.username, { flow });
        await afterApproval(actor);
        return outcome();
      }),
    {
      validator: (actor) => {
        requireRole(actor, 'drafter');
        if (actor.username !== input.createdBy)
          refuse('FORBIDDEN', 'only the drafter of the document may submit it');
        requireState('DRAFT', 'RETURNED');
      },
    },
  );

  setHandler(
    approveUpdate,
    (actor, body) =>
      exclusive(async () => {
        const s = currentStep()!;
        step++;
        await record('document.approval_step', actor.username, { step, role: s.role }, body.comment);
        await afterApproval(actor);
        return outcome();
      }),
    {
      validator: (actor, _body) => {
        requireAgency(actor);
        requireState('IN_APPROVAL');
        const s = currentStep();
        if (!s) refuse('WRONG_STATE', 'no approval step is open');
        requireRole(actor, s.role);
      },
    },
  );

  setHandler(
    rejectUpdate,
    (actor, body) =>
      exclusive(async () => {
        state = 'RETURNED';
        step = 0;
        await record('document.returned', actor.username, { reason: body.reason }, body.reason);
        return outcome();
      }),
    {
      validator: (actor, body) => {
        requireAgency(actor);
        requireState('IN_APPROVAL');
        const s = currentStep();
        if (!s) refuse('WRONG_STATE', 'no approval step is open');
        requireRole(actor, s.role);
        if (!body.reason?.trim()) refuse('WRONG_STATE', 'a reason is required');
      },
    },
  );

  const markSigned = async (actor: Actor, signed: FileRef, mode: 'server' | 'deferred') => {
    file = signed;
    state = 'SIGNED';
    signerInfo = {
      fullName: actor.fullName ?? actor.username,
      title: actor.title ?? '',
      competence: actor.title ? actor.title.toUpperCase() : '',
    };
    pending = undefined;
    await record('document.signed', actor.username, { mode, sha256: signed.sha256, profile: 'personal' });
  };

  setHandler(
    signUpdate,
    (actor) =>
      exclusive(async () => {
        const signed = await heavy.signPersonal({
          agency: input.agency.code,
          username: actor.username,
          file,
          fileName: input.fileName,
          signingTime: nowIso(),
          location: input.agency.place,
        });
        await markSigned(actor, signed, 'server');
        return outcome();
      }),
    {
      validator: (actor) => {
        requireRole(actor, 'signer');
        requireState('APPROVED');
      },
    },
  );

  setHandler(
    requestSigningUpdate,
    (actor) =>
      exclusive(async () => {
        if (pending && pending.username === actor.username) return pending.request;
        const prepared = await heavy.prepareDeferredSigning({
          agency: input.agency.code,
          username: actor.username,
          file,
          fileName: input.fileName,
          signingTime: nowIso(),
        });
        pending = { username: actor.username, ...prepared };
        await record('document.signing_requested', actor.username, { prepared: prepared.prepared.sha256 });
        return prepared.request;
      }),
    {
      validator: (actor) => {
        requireRole(actor, 'signer');
        requireState('APPROVED');
      },
    },
  );

  setHandler(
    submitSignatureUpdate,
    (actor, submission) =>
      exclusive(async () => {
        const p = pending!;
        const signed = await heavy.completeDeferredSigning({
          prepared: p.prepared,
          state: p.state,
          submission,
          fileName: input.fileName,
        });
        await markSigned(actor, signed, 'deferred');
        return outcome();
      }),
    {
      validator: (actor, _submission) => {
        requireRole(actor, 'signer');
        requireState('APPROVED');
        if (!pending) refuse('WRONG_STATE', 'request a signing request first');
        if (pending.username !== actor.username)
          refuse('FORBIDDEN', 'the signing request was made for another signer');
      },
    },
  );

  setHandler(
    issueUpdate,
    (actor) =>
      exclusive(async () => {
        const at = Date.now();
        const date = vietnamDate(at);
        if (number === undefined) {
          number = await quick.assignOutgoingNumber({
            agency: input.agency.code,
            year: Number(date.slice(0, 4)),
            documentKey: workflowId,
          });
          const abbreviation = DocumentTypes[input.type].abbreviation;
          const org = agencyNotation(input.agency.shortName, input.agency.code);
          notation = abbreviation ? `${abbreviation}-${org}` : org;
          issuedAt = date;
          await record('document.numbered', actor.username, { number, notation, date });
        }
        const sealed = await heavy.signOrganisation({
          agency: input.agency.code,
          file,
          fileName: input.fileName,
          signingTime: new Date(at).toISOString(),
          location: input.agency.place,
        });
        file = sealed;
        issued = true;
        await record('document.sealed', actor.username, { profile: 'organisation', sha256: sealed.sha256 });
        return outcome();
      }),
    {
      validator: (actor) => {
        requireRole(actor, 'clerk');
        requireState('SIGNED');
        if (issued) refuse('WRONG_STATE', 'the document is already issued');
      },
    },
  );

  setHandler(
    withdrawUpdate,
    (actor) =>
      exclusive(async () => {
        state = 'WITHDRAWN';
        await record('document.withdrawn', actor.username);
        return outcome();
      }),
    {
      validator: (actor) => {
        requireAgency(actor);
        if (actor.username !== input.createdBy && !actor.roles.includes('agency_admin'))
          refuse('FORBIDDEN', 'only the drafter or the agency administrator may withdraw');
        requireState('DRAFT', 'RETURNED', 'IN_APPROVAL', 'APPROVED', 'SIGNED');
        if (issued) refuse('WRONG_STATE', 'an issued document cannot be withdrawn');
      },
    },
  );

  setHandler(recipientStatusSignal, (status) => {
    inbox.push(status);
  });

  await created;

  await condition(() => (issued && !busy) || state === 'WITHDRAWN');
  if ((state as DocumentState) === 'WITHDRAWN') {
    await condition(allHandlersFinished);
    return documentSnapshotQueryResult();
  }

  // ---- Dispatch and reception awareness ----
  const envelopeFor = (attempt: number): Envelope => ({
    version: ENVELOPE_VERSION,
    messageId: input.documentId,
    from: { code: input.agency.code, name: input.agency.name },
    to: input.recipients.map((r) => ({ code: r.code, name: r.name })),
    documentId: edxmlDocumentId(input.agency.code, issuedAt!, number!, notation!),
    code: { number: number!, notation: notation! },
    promulgationInfo: { place: input.agency.place ?? '', date: issuedAt! },
    documentType: { code: input.type, name: DocumentTypes[input.type].name },
    subject: input.subject,
    signerInfo: {
      competence: signerInfo?.competence ?? '',
      position: signerInfo?.title ?? '',
      fullName: signerInfo?.fullName ?? '',
    },
    priority: input.priority,
    dueDate: input.dueDate,
    attachments: [
      {
        name: input.fileName,
        contentType: 'application/pdf',
        sha256: file.sha256,
        size: file.size,
        ref: `${DOCUMENT_BUCKET}/${file.sha256}`,
      },
    ],
    businessDocType: 0,
    sentAt: nowIso(),
    attempt,
  });

  const send = async (r: RecipientTrack) => {
    r.attempts++;
    r.lastSentAt = Date.now();
    const sent = await quick.dispatchToRecipient({
      envelope: envelopeFor(r.attempts),
      recipient: r.code,
      file,
    });
    await record(r.attempts === 1 ? 'document.dispatched' : 'document.resent', 'system', {
      recipient: r.code,
      attempt: r.attempts,
      streamSeq: sent.seq,
      duplicate: sent.duplicate,
    });
  };

  state = 'DISPATCHED';
  for (const r of recipients) await send(r);

  const ackTimeoutMs = input.timing.ackTimeoutSeconds * 1000;
  const isFinal = (r: RecipientTrack) => ORDER[r.statusCode] >= 9;
  while (!recipients.every(isFinal)) {
    while (inbox.length > 0) {
      const s = inbox.shift()!;
      const r = recipients.find((x) => x.code === s.from.code);
      if (!r || isFinal(r) || ORDER[s.statusCode as StatusCode] <= ORDER[r.statusCode]) continue;
      r.statusCode = s.statusCode;
      r.statusAt = s.at;
      if (s.reason) r.reason = s.reason;
      await record('document.status_received', s.staff ?? 'system', {
        recipient: r.code,
        statusCode: s.statusCode,
        reason: s.reason,
        final: FINAL_STATUS_CODES.includes(s.statusCode),
      });
    }
    if (recipients.every(isFinal)) break;
    const now = Date.now();
    for (const r of recipients) {
      if (r.statusCode !== 'PENDING' || r.lastSentAt === undefined || now - r.lastSentAt < ackTimeoutMs)
        continue;
      if (r.attempts > input.timing.maxResends) {
        r.statusCode = 'SEND_FAILED';
        r.statusAt = nowIso();
        r.reason = `no 01 after ${r.attempts} attempts`;
        await record('document.send_failed', 'system', { recipient: r.code, attempts: r.attempts });
      } else {
        await send(r);
      }
    }
    if (recipients.every(isFinal)) break;
    const waiting = recipients.filter((r) => r.statusCode === 'PENDING' && r.lastSentAt !== undefined);
    const next = waiting.length
      ? Math.max(1, Math.min(...waiting.map((r) => r.lastSentAt! + ackTimeoutMs)) - Date.now())
      : undefined;
    if (next === undefined) await condition(() => inbox.length > 0);
    else await condition(() => inbox.length > 0, next);
  }

  state = 'COMPLETED';
  await record('document.completed', 'system', {
    recipients: recipients.map((r) => ({ agency: r.code, statusCode: r.statusCode })),
  });
  await condition(allHandlersFinished);
  return documentSnapshotQueryResult();

  function documentSnapshotQueryResult(): DocumentSnapshot {
    return {
      id: input.documentId,
      state,
      file,
      number,
      notation,
      issuedAt,
      busy,
      approvalStep: step,
      flow,
      recipients: recipientViews(),
      history: [...history],
    };
  }
}
