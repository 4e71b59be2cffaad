import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { PkiActivities } from '../activities/pki';

const { refreshCrls, remindExpiringCertificates } = proxyActivities<PkiActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5s', maximumInterval: '5 minutes' },
});

export interface PkiMaintenanceInput {
  /** Time between runs, e.g. '1 day'; CRLs last 7 days, so a daily run keeps them fresh with margin. */
  interval: string;
  /** Runs before continue-as-new keeps the history short. */
  runsPerHistory?: number;
}

/**
 * Long-running housekeeping of the CA: republishes CRLs and records renewal reminders on a durable timer.
 * One instance per namespace (fixed workflow id `pki-maintenance`).
 */
export async function pkiMaintenanceWorkflow(input: PkiMaintenanceInput): Promise<void> {
  const runs = input.runsPerHistory ?? 50;
  for (let i = 0; i < runs; i++) {
    await refreshCrls(`${workflowInfo().runId}:${i}`);
    await remindExpiringCertificates();
    await sleep(input.interval);
  }
  await continueAsNew<typeof pkiMaintenanceWorkflow>(input);
}
