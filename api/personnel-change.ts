import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { z } from 'zod';
import { LienthongError } from '../schemas/errors';
import {
  personnelChangeWorkflowId,
  PersonnelCollections,
  PersonnelChangeSchema,
  type PersonnelChange,
  type PersonnelChangeRunningSchema,
} from '../schemas/pki';
import type { personnelChangeWorkflow, PersonnelChangeInput } from '../workflows/personnel-change';
import type { AppDeps } from './deps';
import { temporalOf } from './exchange-support';

/** How long a request waits for its personnel change to finish before answering 202 (overridable for tests). */
export const PERSONNEL_CHANGE_WAIT_MS = 10_000;

type Running = z.infer<typeof PersonnelChangeRunningSchema>;
export type PersonnelChangeOutcome =
  { done: true; change: PersonnelChange } | { done: false; running: Running };

const running = (id: string): Running => ({
  id,
  status: 'running',
  workflowId: personnelChangeWorkflowId(id),
});

/**
 * Resolves with the workflow's result, or undefined once `ms` have passed. The wait is cancelled on the wire (not
 * merely abandoned), so no long poll outlives the request.
 */
async function resultWithin<T>(client: Client, result: () => Promise<T>, ms: number): Promise<T | undefined> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    return await client.withAbortSignal(abort.signal, result);
  } catch (err) {
    if (abort.signal.aborted) return undefined;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts the durable personnel-change workflow for a change the route has authorised and validated, and waits
 * briefly for it: the finished record, or the running state to poll. The agency goes into the memo so a poll can
 * be authorised before the change is recorded.
 */
export async function runPersonnelChange(
  deps: AppDeps,
  input: PersonnelChangeInput,
): Promise<PersonnelChangeOutcome> {
  const client = temporalOf(deps);
  const handle = await client.workflow.start<typeof personnelChangeWorkflow>('personnelChangeWorkflow', {
    workflowId: personnelChangeWorkflowId(input.id),
    taskQueue: deps.config.temporal.taskQueue,
    args: [input],
    memo: { agency: input.agency },
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
  deps.metrics.workflowsStarted.inc({ workflow: 'personnelChangeWorkflow' });
  const change = await resultWithin(
    client,
    () => handle.result(),
    deps.personnelChangeWaitMs ?? PERSONNEL_CHANGE_WAIT_MS,
  );
  return change ? { done: true, change } : { done: false, running: running(input.id) };
}

/**
 * A personnel change by id for a caller who may see `agencies` (undefined: every agency): the record once it is
 * written, running while its workflow runs, NOT_FOUND otherwise (also for another agency's change, so its
 * existence is not revealed). A workflow that stopped without recording is reported, not hidden.
 */
export async function personnelChangeStatus(
  deps: AppDeps,
  id: string,
  visible: (agency: string) => boolean,
): Promise<PersonnelChangeOutcome> {
  const notFound = () => new LienthongError('NOT_FOUND', `no personnel change ${id}`);
  const recorded = async (): Promise<PersonnelChange | undefined> => {
    const doc = await deps.db!.collection(PersonnelCollections.changes).findOne({ _id: id as never });
    if (!doc) return undefined;
    const change = PersonnelChangeSchema.parse(doc);
    if (!visible(change.agency)) throw notFound();
    return change;
  };
  const before = await recorded();
  if (before) return { done: true, change: before };
  let description;
  try {
    description = await temporalOf(deps).workflow.getHandle(personnelChangeWorkflowId(id)).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound();
    throw err;
  }
  const agency = description.memo?.agency;
  if (typeof agency !== 'string' || !visible(agency)) throw notFound();
  if (description.status.name === 'RUNNING') return { done: false, running: running(id) };
  // It may have finished between the first read and the description.
  const after = await recorded();
  if (after) return { done: true, change: after };
  // Recorded changes were answered above: a closed workflow without a record failed or was stopped by an operator.
  throw new LienthongError(
    'WRONG_STATE',
    `personnel change ${id} stopped before it was recorded (${description.status.name})`,
  );
}
