import {
  checkOutgoing,
  outgoingView,
  type CommandBody,
  type OutgoingCommand,
  type OutgoingState,
} from '../exchange';
import type { AuditEventInput } from '../schemas/audit';
import type { OutgoingEventType } from '../schemas/audit-events';
import type { Actor, DocumentState, HistoryEntry } from '../schemas/document';
import type { ActionOutcome, DocumentWorkflowInput } from './exchange-messages';
import { auditEventsOf, quick, rethrow, throwIfRefused, type WorkflowEvent } from './exchange-steps';

/** The outgoing document's workflow: what its steps share (state, audit records, exclusive steps). Workflow code. */

/** What every step of one outgoing document works with: its input, its workflow id and its state object. */
export interface Doc {
  input: DocumentWorkflowInput;
  workflowId: string;
  s: OutgoingState;
  /** Milliseconds in one "hour" of the flow's deadlines (tests shorten it). */
  hourMs: number;
}

export const nowIso = () => new Date().toISOString();

/** One event of the outgoing document, as `record` and `recordAll` take it. */
export type OutgoingEvent = WorkflowEvent<OutgoingEventType, DocumentState>;

/** Audits one event and refreshes the read model (one idempotent activity; id = workflow id + sequence). */
export async function record(
  d: Doc,
  type: OutgoingEventType,
  actor: string,
  details: Record<string, unknown> = {},
  comment?: string,
): Promise<void> {
  const [event] = auditEvents(d, [{ type, actor, details, comment }]);
  await quick.recordDocumentEvent({
    event: event!.event,
    outgoing: outgoingView(d.input, d.s, d.hourMs, nowIso()),
    entry: event!.entry,
  });
}

/** Audits several events in one activity (patch `batched-records-v1`): one append, one read-model write. */
export async function recordAll(d: Doc, events: OutgoingEvent[]): Promise<void> {
  if (events.length === 0) return;
  const audited = auditEvents(d, events);
  await quick.recordDocumentEvents({
    events: audited.map((a) => a.event),
    outgoing: outgoingView(d.input, d.s, d.hourMs, nowIso()),
    entries: audited.map((a) => a.entry),
  });
}

/** The audit events and history lines of `events` (see `auditEventsOf`). */
function auditEvents(d: Doc, events: OutgoingEvent[]): { event: AuditEventInput; entry: HistoryEntry }[] {
  const target = { workflowId: d.workflowId, agency: d.input.agency.code, documentId: d.input.documentId };
  return auditEventsOf(d.s, target, events, nowIso());
}

export const outcome = ({ s }: Doc): ActionOutcome => ({
  state: s.state,
  number: s.number,
  notation: s.notation,
});

/** Runs a step that calls activities; `busy` keeps a second step from passing validation meanwhile. */
export async function exclusive<T>(d: Doc, work: () => Promise<T>): Promise<T> {
  d.s.busy = true;
  try {
    return await work();
  } catch (err) {
    rethrow(err);
  } finally {
    d.s.busy = false;
  }
}

/** The validator of a command: the command table's check. */
export const validator =
  (d: Doc, cmd: OutgoingCommand) =>
  (actor: Actor, body?: unknown): void =>
    throwIfRefused(
      checkOutgoing(
        { agency: d.input.agency.code, createdBy: d.input.createdBy },
        d.s,
        cmd,
        actor,
        body as CommandBody | undefined,
      ),
    );
