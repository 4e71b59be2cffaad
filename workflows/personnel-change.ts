import { proxyActivities } from '@temporalio/workflow';
import type { PersonnelActivities } from '../activities/personnel';
import type { PersonnelChange } from '../schemas/pki';
import { WORKER_LIVENESS } from './liveness';

// Every step is idempotent, so retrying until it succeeds is safe; no step is given up on, because stopping halfway
// is exactly what this workflow exists to prevent (documents waiting for a person who can no longer act).
const steps = proxyActivities<PersonnelActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: WORKER_LIVENESS,
  retry: { initialInterval: '2s', maximumInterval: '1 minute' },
});

/** What the API decided and checked (rights, leaver, successor) before starting the change. */
export interface PersonnelChangeInput {
  id: string;
  agency: string;
  leaver: string;
  successor?: string;
  effectiveAt: string;
  note?: string;
  recordedBy: string;
  /** ISO time the API accepted the change: revocation and audit time. */
  at: string;
}

/**
 * A leadership change ("thay đổi nhân sự") carried through to the end even if a process dies on the way: the
 * leaver's personal certificates are revoked, the account closed, the documents waiting on them re-routed, then the
 * change is recorded and audited. Returns the record the API answers with.
 */
export async function personnelChangeWorkflow(input: PersonnelChangeInput): Promise<PersonnelChange> {
  const step = {
    changeId: input.id,
    agency: input.agency,
    leaver: input.leaver,
    successor: input.successor,
    at: input.at,
  };
  const revokedSerials = await steps.revokeLeaverCertificates(step);
  await steps.closeLeaverAccount(step);
  const reroutedDocuments = await steps.rerouteLeaverDocuments(step);
  const change: PersonnelChange = {
    id: input.id,
    agency: input.agency,
    leaver: input.leaver,
    successor: input.successor,
    effectiveAt: input.effectiveAt,
    note: input.note,
    recordedBy: input.recordedBy,
    revokedSerials,
    reroutedDocuments,
  };
  await steps.recordPersonnelChange(change);
  await steps.auditPersonnelChange({ change, at: input.at });
  return change;
}
