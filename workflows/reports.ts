import { proxyActivities } from '@temporalio/workflow';
import type { ReportActivities, SignYearlyReportInput } from '../activities/reports';
import type { FileRef } from '../schemas/document';
import { WORKER_LIVENESS } from './liveness';

// Someone is waiting for the PDF: a few quick attempts, then the failure goes back to the request.
const { signYearlyReport } = proxyActivities<ReportActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: WORKER_LIVENESS,
  retry: { initialInterval: '1s', maximumAttempts: 3 },
});

/**
 * Signs a yearly KPI report in the worker, so the province's private key never enters the API process. The PDF
 * goes in and out by file reference: bytes never enter the workflow history.
 */
export async function signYearlyReportWorkflow(input: SignYearlyReportInput): Promise<FileRef> {
  return signYearlyReport(input);
}
