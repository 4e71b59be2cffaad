import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { PreparedSignatureState } from '../pdf';
import {
  BUSINESS_DOC_TYPE,
  DEFAULT_APPROVAL_FLOW,
  DocumentTypes,
  FINAL_STATUS_CODES,
  documentWorkflowId,
  type Actor,
  type ApprovalFlow,
  type ApprovalView,
  type DocumentState,
  type FileRef,
  type HistoryEntry,
  type RecipientStatusCode,
  type RecipientView,
  type SigningRequest,
  type StatusCode,
  type SupersededBy,
} from '../schemas/document';
import {
  DOCUMENT_BUCKET,
  ENVELOPE_VERSION,
  edxmlDocumentId,
  type Envelope,
  type StatusMessage,
} from '../schemas/edxml';
import type { ResolvedFlow, ResolvedStage } from '../schemas/flow';
import type { Role } from '../schemas/identity';
import type { OutgoingUpdate } from '../store/document-store';
import {
  approveUpdate,
  documentSnapshotQuery,
  issueUpdate,
  migrateFlowUpdate,
  recallUpdate,
  recipientStatusSignal,
  rejectUpdate,
  rerouteUpdate,
  requestSigningUpdate,
  signUpdate,
  submitSignatureUpdate,
  submitUpdate,
  supersededSignal,
  withdrawUpdate,
  FOLLOW_UP_PATCH,
  RECALL_ANSWER_DAYS,
  type ActionOutcome,
  type DocumentSnapshot,
  type DocumentWorkflowInput,
} from './exchange-messages';
import { DAY_MS, heavy, quick, refuse, rethrow } from './exchange-steps';

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
  // Recall statuses never advance the processing status; they are tracked apart (`recall`).
  '13': 0,
  '15': 0,
  '16': 0,
};

interface RecipientTrack {
  code: string;
  name: string;
  statusCode: RecipientStatusCode;
  statusAt: string | null;
  reason?: string;
  attempts: number;
  lastSentAt?: number;
  recall?: '13' | '15' | '16';
  recallReason?: string;
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
  const amendment = input.amendment;
  /** An update carries the already signed and issued file of the document it corrects: straight to dispatch. */
  const isUpdate = amendment?.kind === 'update';
  let state: DocumentState = isUpdate ? 'SIGNED' : 'DRAFT';
  let file: FileRef = input.file;
  let flow: ApprovalFlow | undefined;
  let step = 0;
  /**
   * The approval flow resolved at submission (patch `flow-stages-v1`): its stages with concrete approvers. Undefined
   * for documents submitted before the patch, which keep the role-step `flow`.
   */
  let resolved: ResolvedFlow | undefined;
  let approvals: string[] = [];
  let stageStartedAt = 0;
  /** Changes whenever the open stage changes (advance, escalation, migration, re-routing): stale timers stop. */
  let stageEpoch = 0;
  let reminded = false;
  let stageOverdue = false;
  let escalated = false;
  let everOverdue = false;
  let designatedSigner: string | undefined;
  const hourMs = (input.timing.flowHourSeconds ?? 3600) * 1000;
  let busy = false;
  let issued = isUpdate;
  let number: number | undefined = isUpdate ? amendment.keep?.number : undefined;
  let notation: string | undefined = isUpdate ? amendment.keep?.notation : undefined;
  let issuedAt: string | undefined = isUpdate ? amendment.keep?.issuedAt : undefined;
  let signerInfo: { fullName: string; title: string; competence: string } | undefined = isUpdate
    ? amendment.signer
    : undefined;
  /** Set when a newer version of this document was dispatched. */
  let superseded: SupersededBy | undefined;
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
      recall: r.recall,
      recallReason: r.recallReason,
    }));

  const openStage = (): ResolvedStage | undefined =>
    resolved && state === 'IN_APPROVAL' ? resolved.stages[step] : undefined;
  const deadlineOf = (s: ResolvedStage | undefined): number | undefined =>
    s?.deadlineHours !== undefined ? stageStartedAt + s.deadlineHours * hourMs : undefined;

  const approvalView = (): ApprovalView | undefined => {
    const s = openStage();
    if (!resolved || !s) return undefined;
    const deadline = deadlineOf(s);
    return {
      flow: { name: resolved.name, version: resolved.version },
      stage: { id: s.id, name: s.name, index: step, of: resolved.stages.length },
      approvers: [...s.approvers],
      approvals: [...approvals],
      required: s.required,
      laterApprovers: [...new Set(resolved.stages.slice(step + 1).flatMap((x) => x.approvers))].sort(),
      deadlineAt: deadline !== undefined ? new Date(deadline).toISOString() : undefined,
      overdue: stageOverdue || undefined,
      escalated: escalated || undefined,
    };
  };

  const view = (): OutgoingUpdate => ({
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
    approval: approvalView(),
    overdue: everOverdue || undefined,
    designatedSigner,
    pendingSigner: pending?.username,
    signer: signerInfo,
    amendment: amendment ? { kind: amendment.kind, of: amendment.of, reason: amendment.reason } : undefined,
    supersededBy: superseded,
    recipients: recipientViews(),
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
    const entry: HistoryEntry = { at, event: type, actor, state, comment };
    history.push(entry);
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
      entry,
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
  /** A successor named in a leadership change signs in place of the signer role; otherwise any signer. */
  const requireSigner = (actor: Actor) => {
    if (designatedSigner === undefined) return requireRole(actor, 'signer');
    requireAgency(actor);
    if (actor.username !== designatedSigner)
      refuse('FORBIDDEN', `this document is assigned to ${designatedSigner} for signature`);
  };
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

  /** A new stage opens: no approvals yet, its deadline counts from now, earlier timers are void. */
  const openNewStage = () => {
    approvals = [];
    stageStartedAt = Date.now();
    reminded = false;
    stageOverdue = false;
    escalated = false;
    stageEpoch++;
  };

  /** Skips stages nobody can approve, closes stages whose approvals suffice, and approves after the last one. */
  const settle = async (actor: string) => {
    for (;;) {
      const s = resolved?.stages[step];
      if (!resolved) return;
      if (!s) {
        state = 'APPROVED';
        stageEpoch++;
        await record('document.approved', actor, { flow: resolved.name, version: resolved.version });
        return;
      }
      if (s.required > 0 && approvals.length < s.required) return;
      const decided = [...approvals];
      step++;
      openNewStage();
      // Recorded after the move, so the read model shows the stage that is now open.
      await record(s.required === 0 ? 'document.stage_skipped' : 'document.stage_completed', actor, {
        stage: s.id,
        approvals: decided,
        required: s.required,
      });
    }
  };

  const returnToDrafter = async (actor: string, reason: string, details: Record<string, unknown> = {}) => {
    state = 'RETURNED';
    step = 0;
    approvals = [];
    stageEpoch++;
    await record('document.returned', actor, { reason, ...details }, reason);
  };

  /** Workflow-time timers of the open stage: the reminder first, then the deadline (once each). */
  const nextFlowTimer = (): { at: number; kind: 'reminder' | 'deadline' } | undefined => {
    const s = openStage();
    const deadline = deadlineOf(s);
    if (!s || deadline === undefined || busy) return undefined;
    if (!reminded && s.reminderBeforeHours !== undefined)
      return { at: deadline - s.reminderBeforeHours * hourMs, kind: 'reminder' };
    if (!stageOverdue) return { at: deadline, kind: 'deadline' };
    return undefined;
  };

  const remind = async () => {
    const s = openStage()!;
    reminded = true;
    await record('document.approval_reminder', 'system', {
      stage: s.id,
      waitingFor: s.approvers.filter((u) => !approvals.includes(u)),
      deadlineAt: new Date(deadlineOf(s)!).toISOString(),
    });
  };

  /** The deadline passed: the stage is overdue (audited for the KPIs) and escalates as its flow says. */
  const escalate = async () => {
    const s = openStage()!;
    stageOverdue = true;
    everOverdue = true;
    await record('document.approval_overdue', 'system', {
      stage: s.id,
      deadlineAt: new Date(deadlineOf(s)!).toISOString(),
      waitingFor: s.approvers.filter((u) => !approvals.includes(u)),
      flow: resolved!.name,
      version: resolved!.version,
    });
    const e = s.escalation;
    if (!e) return;
    if (e.kind === 'return_to_drafter') {
      await returnToDrafter('system', `Quá hạn phê duyệt ở bước "${s.name}": trả lại người soạn thảo`, {
        escalation: e.kind,
        stage: s.id,
      });
      return;
    }
    if (e.kind === 'stage') {
      const target = resolved!.stages.findIndex((x) => x.id === e.stage);
      if (target < 0) {
        await returnToDrafter(
          'system',
          `Quá hạn ở bước "${s.name}"; bước chuyển tiếp ${e.stage} không áp dụng`,
          {
            escalation: e.kind,
            stage: s.id,
          },
        );
        return;
      }
      step = target;
      openNewStage();
      await record('document.escalated', 'system', { stage: s.id, kind: e.kind, to: e.stage });
      await settle('system');
      return;
    }
    const approvers =
      e.kind === 'user'
        ? [e.username]
        : await quick.membersOfRole({ agency: input.agency.code, role: e.role });
    if (approvers.length === 0) {
      await returnToDrafter(
        'system',
        `Quá hạn ở bước "${s.name}"; không có người giữ vai trò ${e.kind === 'role' ? e.role : ''}`,
        {
          escalation: e.kind,
          stage: s.id,
        },
      );
      return;
    }
    const required = Math.max(1, Math.min(s.required, approvers.length));
    resolved = {
      ...resolved!,
      stages: resolved!.stages.map((x, i) => (i === step ? { ...x, approvers, required } : x)),
    };
    approvals = approvals.filter((u) => approvers.includes(u));
    escalated = true;
    stageEpoch++;
    await record('document.escalated', 'system', { stage: s.id, kind: e.kind, approvers, required });
    await settle('system');
  };

  const requireApprover = (actor: Actor) => {
    requireAgency(actor);
    requireState('IN_APPROVAL');
    const s = openStage();
    if (!s) refuse('WRONG_STATE', 'no approval stage is open');
    if (!s.approvers.includes(actor.username))
      refuse(
        'FORBIDDEN',
        `only the approvers of the stage "${s.name}" may decide: ${s.approvers.join(', ')}`,
      );
    return s;
  };

  // Recorded before the handlers are set: an update delivered in the first activation runs on setHandler.
  const created = record('document.created', input.createdBy, {
    fileName: input.fileName,
    sha256: input.file.sha256,
    ...(amendment ? { amends: amendment.of, kind: amendment.kind, reason: amendment.reason } : {}),
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
    resolvedFlow: resolved,
    approval: approvalView(),
    recipients: recipientViews(),
    history: [...history],
    pendingSigning: pending ? { username: pending.username, request: pending.request } : undefined,
  }));

  setHandler(
    submitUpdate,
    (actor) =>
      exclusive(async () => {
        if (patched('flow-stages-v1')) {
          // Pinned here (name and version): a later edit of the agency's flow does not affect this submission.
          resolved = await quick.resolveApprovalFlow({
            documentId: input.documentId,
            agency: input.agency.code,
            type: input.type,
            priority: input.priority,
            recipients: input.recipients.map((r) => r.code),
            override: input.flow,
          });
          step = 0;
          state = 'IN_APPROVAL';
          openNewStage();
          await record('document.submitted', actor.username, {
            flow: { name: resolved.name, version: resolved.version },
            stages: resolved.stages.map((x) => ({ id: x.id, approvers: x.approvers, required: x.required })),
          });
          await settle(actor.username);
          return outcome();
        }
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
        if (resolved) {
          const stage = openStage()!;
          approvals = [...approvals, actor.username];
          await record(
            'document.approval_step',
            actor.username,
            { stage: stage.id, approvals: [...approvals], required: stage.required },
            body.comment,
          );
          await settle(actor.username);
          return outcome();
        }
        const s = currentStep()!;
        step++;
        await record('document.approval_step', actor.username, { step, role: s.role }, body.comment);
        await afterApproval(actor);
        return outcome();
      }),
    {
      validator: (actor, _body) => {
        if (resolved) {
          requireApprover(actor);
          if (approvals.includes(actor.username)) refuse('CONFLICT', 'you already approved this stage');
          return;
        }
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
        if (resolved) {
          await returnToDrafter(actor.username, body.reason, { stage: openStage()?.id });
          return outcome();
        }
        state = 'RETURNED';
        step = 0;
        await record('document.returned', actor.username, { reason: body.reason }, body.reason);
        return outcome();
      }),
    {
      validator: (actor, body) => {
        if (resolved) {
          requireApprover(actor);
          if (!body.reason?.trim()) refuse('WRONG_STATE', 'a reason is required');
          return;
        }
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
    designatedSigner = undefined;
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
        requireSigner(actor);
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
        requireSigner(actor);
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
        requireSigner(actor);
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
        if (number === undefined && amendment?.keep) {
          // A replacement that keeps the number of the document it replaces (the agency's practice).
          number = amendment.keep.number;
          notation = amendment.keep.notation;
          issuedAt = date;
          await record('document.numbered', actor.username, { number, notation, date, kept: amendment.of });
        } else if (number === undefined) {
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

  setHandler(
    migrateFlowUpdate,
    (actor) =>
      exclusive(async () => {
        const from = { name: resolved!.name, version: resolved!.version };
        const next = await quick.resolveApprovalFlow({
          documentId: input.documentId,
          agency: input.agency.code,
          type: input.type,
          priority: input.priority,
          recipients: input.recipients.map((r) => r.code),
          override: input.flow,
        });
        // Completed stages stay as they were decided; the open and later stages follow the new version.
        const done = resolved!.stages.slice(0, step);
        const doneIds = new Set(done.map((x) => x.id));
        const before = resolved!.stages[step];
        const pendingStages = next.stages.filter((x) => !doneIds.has(x.id));
        resolved = { name: next.name, version: next.version, stages: [...done, ...pendingStages] };
        const after = resolved.stages[step];
        if (after && before && after.id === before.id) {
          approvals = approvals.filter((u) => after.approvers.includes(u));
          stageEpoch++;
        } else {
          openNewStage();
        }
        await record('document.flow_migrated', actor.username, {
          from,
          to: { name: next.name, version: next.version },
          pendingStages: pendingStages.map((x) => ({
            id: x.id,
            approvers: x.approvers,
            required: x.required,
          })),
        });
        await settle(actor.username);
        return outcome();
      }),
    {
      validator: (actor) => {
        const admin =
          actor.roles.includes('province_admin') ||
          (actor.roles.includes('agency_admin') && actor.agency === input.agency.code);
        if (!admin) refuse('FORBIDDEN', 'only an administrator of the agency may migrate a document');
        requireState('IN_APPROVAL');
        if (!resolved) refuse('WRONG_STATE', 'the document was submitted before configurable flows');
      },
    },
  );

  setHandler(
    rerouteUpdate,
    (actor, change) =>
      exclusive(async () => {
        const { leaver, successor } = change;
        const returnReason = `${leaver} không còn đảm nhiệm (thay đổi nhân sự ${change.changeId}); văn bản trả lại người soạn thảo`;
        if (state === 'IN_APPROVAL' && resolved) {
          const swap = (list: string[]) =>
            successor
              ? [...new Set(list.map((u) => (u === leaver ? successor : u)))].sort()
              : list.filter((u) => u !== leaver);
          const stages = resolved.stages.map((x, i) => {
            if (i < step || !x.approvers.includes(leaver)) return x;
            const approvers = swap(x.approvers);
            return { ...x, approvers, required: Math.min(x.required, approvers.length) };
          });
          const starved = resolved.stages.some(
            (x, i) => i >= step && x.approvers.includes(leaver) && stages[i]!.approvers.length < x.required,
          );
          if (!successor && starved) {
            await returnToDrafter(actor.username, returnReason, { leaver, changeId: change.changeId });
            return outcome();
          }
          resolved = { ...resolved, stages };
          stageEpoch++;
          await record('document.rerouted', actor.username, {
            step: 'approval',
            leaver,
            successor,
            changeId: change.changeId,
          });
          await settle(actor.username);
          return outcome();
        }
        if (state === 'APPROVED') {
          if (pending?.username === leaver) pending = undefined;
          if (successor) {
            designatedSigner = successor;
            await record('document.rerouted', actor.username, {
              step: 'signature',
              leaver,
              successor,
              changeId: change.changeId,
            });
          } else {
            designatedSigner = undefined;
            await returnToDrafter(actor.username, returnReason, { leaver, changeId: change.changeId });
          }
        }
        return outcome();
      }),
    {
      validator: (actor, change) => {
        requireRole(actor, 'agency_admin', 'province_admin');
        requireState('IN_APPROVAL', 'APPROVED');
        if (!change.leaver) refuse('WRONG_STATE', 'the leaver is required');
      },
    },
  );

  let recallReason: string | undefined;
  setHandler(
    recallUpdate,
    (actor, body) =>
      exclusive(async () => {
        recallReason = body.reason;
        const targets = recipients.filter((r) => r.statusCode !== '02' && r.statusCode !== 'SEND_FAILED');
        for (const r of targets) {
          await quick.dispatchToRecipient({
            envelope: {
              ...envelopeFor(r.attempts),
              businessDocType: 1,
              description: body.reason,
              replaces: undefined,
            },
            recipient: r.code,
            file,
            msgId: `${input.agency.code}:${input.documentId}:${r.code}:recall`,
          });
          r.recall = '13';
        }
        await record(
          'document.recall_requested',
          actor.username,
          { reason: body.reason, recipients: targets.map((r) => r.code) },
          body.reason,
        );
        return outcome();
      }),
    {
      validator: (actor, body) => {
        requireRole(actor, 'clerk');
        if (busy) refuse('CONFLICT', 'another step on this document is in progress');
        // A completed document can be recalled while its workflow is open (the follow-up window).
        if (state !== 'DISPATCHED' && state !== 'COMPLETED')
          refuse('WRONG_STATE', `only a dispatched document can be recalled (state ${state})`);
        if (recallReason !== undefined) refuse('CONFLICT', 'the document is already being recalled');
        if (!body.reason?.trim()) refuse('WRONG_STATE', 'a reason is required');
      },
    },
  );

  setHandler(recipientStatusSignal, (status) => {
    inbox.push(status);
  });

  setHandler(supersededSignal, (by) => {
    // Only an issued document can be superseded, and only once.
    if (issued && !superseded && by.id !== input.documentId) superseded = by;
  });

  await created;

  // Approval deadlines and reminders are durable timers of the open stage; documents without a stage deadline
  // (and every document submitted before `flow-stages-v1`) wait here without any timer.
  const released = () => (issued && !busy) || state === 'WITHDRAWN';
  while (!released()) {
    const epoch = stageEpoch;
    const due = nextFlowTimer();
    if (!due) {
      await condition(() => released() || stageEpoch !== epoch || (!busy && nextFlowTimer() !== undefined));
      continue;
    }
    const timedOut = !(await condition(
      () => released() || stageEpoch !== epoch || busy,
      Math.max(1, due.at - Date.now()),
    ));
    if (!timedOut || stageEpoch !== epoch || busy || (state as DocumentState) !== 'IN_APPROVAL') continue;
    busy = true;
    try {
      if (due.kind === 'reminder') await remind();
      else await escalate();
    } finally {
      busy = false;
    }
  }
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
    businessDocType: amendment ? BUSINESS_DOC_TYPE[amendment.kind] : 0,
    description: amendment?.reason,
    replaces: amendment ? { messageId: amendment.of, documentId: amendment.ofEdxmlId } : undefined,
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
      ...(amendment ? { businessDocType: BUSINESS_DOC_TYPE[amendment.kind] } : {}),
    });
  };

  /** The earlier version is superseded: its workflow if still open, else its read model directly. */
  const supersedeEarlier = async (a: NonNullable<typeof amendment>) => {
    const by: SupersededBy = { id: input.documentId, kind: a.kind, at: nowIso() };
    try {
      await getExternalWorkflowHandle(documentWorkflowId(input.agency.code, a.of)).signal(
        supersededSignal,
        by,
      );
    } catch {
      await quick.markSuperseded({
        side: 'outgoing',
        agency: input.agency.code,
        id: a.of,
        by,
        eventId: `${workflowId}#supersedes`,
      });
    }
    await record('document.supersedes', 'system', { of: a.of, kind: a.kind }, a.reason);
  };

  state = 'DISPATCHED';
  for (const r of recipients) await send(r);
  if (amendment) await supersedeEarlier(amendment);

  const ackTimeoutMs = input.timing.ackTimeoutSeconds * 1000;
  // A recipient that agreed to a recall (15) will not report again.
  const isFinal = (r: RecipientTrack) => ORDER[r.statusCode] >= 9 || r.recall === '15';

  /** Applies the statuses and recall answers that arrived, in arrival order. */
  const drainStatuses = async () => {
    while (inbox.length > 0) {
      const s = inbox.shift()!;
      const r = recipients.find((x) => x.code === s.from.code);
      if (r && (s.statusCode === '15' || s.statusCode === '16')) {
        if (r.recall !== '13') continue;
        r.recall = s.statusCode;
        r.recallReason = s.reason;
        if (
          recipients.every(
            (x) => x.recall === '15' || x.statusCode === '02' || x.statusCode === 'SEND_FAILED',
          )
        )
          state = 'RECALLED';
        await record(
          'document.recall_answered',
          s.staff ?? 'system',
          { recipient: r.code, statusCode: s.statusCode, reason: s.reason },
          s.reason,
        );
        continue;
      }
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
  };

  while (!recipients.every(isFinal) && !superseded) {
    await drainStatuses();
    if (recipients.every(isFinal) || superseded) break;
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
    if (next === undefined) await condition(() => inbox.length > 0 || superseded !== undefined);
    else await condition(() => inbox.length > 0 || superseded !== undefined, next);
  }

  const closeAsSuperseded = async (by: SupersededBy) => {
    await condition(() => !busy);
    state = 'SUPERSEDED';
    await record('document.superseded', 'system', { by: by.id, kind: by.kind });
  };

  if (superseded) {
    await closeAsSuperseded(superseded);
  } else {
    if ((state as DocumentState) !== 'RECALLED') state = 'COMPLETED';
    await record(
      (state as DocumentState) === 'RECALLED' ? 'document.recalled' : 'document.completed',
      'system',
      {
        recipients: recipients.map((r) => ({ agency: r.code, statusCode: r.statusCode })),
      },
    );
    if ((state as DocumentState) === 'COMPLETED' && patched(FOLLOW_UP_PATCH)) await followUp();
  }
  await condition(allHandlersFinished);
  return documentSnapshotQueryResult();

  /**
   * The follow-up window after completion: the document can still be recalled (answers are collected here) or
   * superseded by an update or replacement. A recall gives its recipients at least RECALL_ANSWER_DAYS to answer;
   * an answer that never comes (a copy closed meanwhile) leaves that recipient at `13`.
   */
  async function followUp(): Promise<void> {
    let windowEnd = Date.now() + (input.timing.followUpDays ?? 365) * DAY_MS;
    let recallSeen = false;
    const recallOpen = () => recipients.some((r) => r.recall === '13');
    for (;;) {
      await drainStatuses();
      if (superseded) return closeAsSuperseded(superseded);
      if ((state as DocumentState) === 'RECALLED') {
        await record('document.recalled', 'system', {
          recipients: recipients.map((r) => ({ agency: r.code, recall: r.recall })),
        });
        return;
      }
      const open = recallOpen();
      if (open && !recallSeen) {
        recallSeen = true;
        windowEnd = Math.max(windowEnd, Date.now() + RECALL_ANSWER_DAYS * DAY_MS);
      }
      const left = windowEnd - Date.now();
      if (left <= 0) return;
      await condition(() => inbox.length > 0 || superseded !== undefined || recallOpen() !== open, left);
    }
  }

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
