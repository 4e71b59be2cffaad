import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { ArchiveActivities, ArchiveRenewalOutcome } from '../activities/archive';

const { findDueArchiveTimestamps } = proxyActivities<ArchiveActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5s', maximumInterval: '5 minutes' },
});
// One document per activity: a time-stamp, a /DSS and a file write, bounded by the document's size.
const { renewArchiveTimestamp } = proxyActivities<ArchiveActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '10s', maximumInterval: '10 minutes' },
});

export interface ArchiveRenewalInput {
  /** Time between runs, e.g. '1 day': the window is a year, so a daily run has ample margin. */
  interval: string;
  /** Renew time-stamps whose certificates end within this many days (README, Long-term validity). */
  windowDays: number;
  /** Documents renewed per run at most (the rest wait for the next run, most urgent first). */
  pageSize: number;
  /** Runs before continue-as-new keeps the history short. */
  runsPerHistory?: number;
  /** Stop after this many runs and return what was done (a one-off run by an operator or a test); default never. */
  runs?: number;
}

/**
 * Long-running archive time-stamp renewal (ETSI EN 319 142-1 B-LTA): on a durable timer, asks for a bounded page of
 * documents due and renews each in its own activity. One instance per namespace (fixed id `archive-renewal`).
 */
export async function archiveRenewalWorkflow(input: ArchiveRenewalInput): Promise<ArchiveRenewalOutcome[]> {
  const perHistory = input.runsPerHistory ?? 50;
  const runs = input.runs ?? Infinity;
  const outcomes: ArchiveRenewalOutcome[] = [];
  for (let i = 0; i < Math.min(perHistory, runs); i++) {
    const due = await findDueArchiveTimestamps({ windowDays: input.windowDays, limit: input.pageSize });
    for (const id of due) outcomes.push(await renewArchiveTimestamp({ id, windowDays: input.windowDays }));
    if (i + 1 === runs) return outcomes;
    await sleep(input.interval);
  }
  // Outcomes stay behind: each run's renewals are in the audit trail.
  return continueAsNew<typeof archiveRenewalWorkflow>({
    ...input,
    ...(input.runs === undefined ? {} : { runs: input.runs - perHistory }),
  });
}
