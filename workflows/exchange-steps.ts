import { ApplicationFailure, proxyActivities, type ActivityFailure } from '@temporalio/workflow';
import type { ExchangeActivities } from '../activities/exchange';
import type { Refusal } from '../exchange/refusal';
import type { AuditEventInput } from '../schemas/audit';
import type { HistoryEntry } from '../schemas/document';
import { WORKER_LIVENESS } from './liveness';

/** What both exchange workflows share: activity presets and how a refused step is reported. Workflow code only. */

// Quick activities are database writes. Under a burst (ten recipients answering for ten documents at once) they
// queue behind the database's writer for longer than 30 s, and a timed-out attempt still finishes while its retry
// runs: the retries doubled the load that caused them. Two minutes rides out a burst. A crashed worker's attempt is
// noticed by its missing heartbeats (the worker's interceptor beats while an attempt waits) and retried within 20 s,
// not two minutes later: the chaos run measured the 2-minute wait behind every worker it killed.
export const quick = proxyActivities<ExchangeActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: WORKER_LIVENESS,
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

// Heavy activities (signing, verification of large files) heartbeat from the worker's activity interceptor, so a
// crashed worker is noticed within the heartbeat timeout instead of the 5-minute start-to-close timeout.
export const heavy = proxyActivities<ExchangeActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: WORKER_LIVENESS,
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
});

export const DAY_MS = 24 * 3600_000;

/** Refuses a step; the type is the error code (FORBIDDEN, WRONG_STATE, CONFLICT) the API maps to HTTP. */
export function refuse(code: 'FORBIDDEN' | 'WRONG_STATE' | 'CONFLICT', message: string): never {
  throw ApplicationFailure.nonRetryable(message, code);
}

/** Re-raises an activity failure from an update handler with the root cause's code as its type. */
export function rethrow(err: unknown): never {
  const cause = (err as ActivityFailure).cause as ApplicationFailure | undefined;
  if (cause && typeof cause.type === 'string')
    throw ApplicationFailure.nonRetryable(cause.message, cause.type, ...(cause.details ?? []));
  throw err;
}

/** Throws the refusal a command check returned, if any (update validators). */
export function throwIfRefused(r: Refusal | undefined): void {
  if (r) refuse(r.code, r.message);
}

/** One event a workflow audits: its type and actor, its details, and the state just after it (default: current). */
export interface WorkflowEvent<Type extends string, State extends string> {
  type: Type;
  actor: string;
  details?: Record<string, unknown>;
  comment?: string;
  state?: State;
}

/** Whose chain a workflow's events go to, about which document, with the details every event of it carries. */
export interface AuditTarget {
  workflowId: string;
  agency: string;
  documentId: string;
  details?: Record<string, unknown>;
}

/**
 * The audit events and history lines of `events`, numbered in order after the ones the workflow audited already
 * (event id = workflow id + sequence, so a retried activity appends nothing twice). Workflow code only.
 */
export function auditEventsOf<Type extends string, State extends string>(
  s: { auditSeq: number; history: HistoryEntry[]; state: State },
  target: AuditTarget,
  events: WorkflowEvent<Type, State>[],
  at: string,
): { event: AuditEventInput; entry: HistoryEntry }[] {
  return events.map(({ type, actor, details = {}, comment, state = s.state }) => {
    const seq = ++s.auditSeq;
    const entry: HistoryEntry = { at, event: type, actor, state, comment, auditSeq: seq };
    s.history.push(entry);
    const event: AuditEventInput = {
      id: `${target.workflowId}#${seq}`,
      time: at,
      agency: target.agency,
      actor,
      type,
      documentId: target.documentId,
      details: { state, ...target.details, ...details },
    };
    return { event, entry };
  });
}
