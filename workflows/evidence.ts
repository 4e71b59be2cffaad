import { proxyActivities } from '@temporalio/workflow';
import type {
  EvidenceActivities,
  SignEvidenceManifestInput,
  SignedEvidenceManifest,
} from '../activities/evidence';
import { WORKER_LIVENESS } from './liveness';

// Someone is waiting for the bundle: a few quick attempts, then the failure goes back to the request.
const { signEvidenceManifest } = proxyActivities<EvidenceActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: WORKER_LIVENESS,
  retry: { initialInterval: '1s', maximumAttempts: 3 },
});

/**
 * Signs an evidence bundle's manifest in the worker, so the province's private key never enters the API process.
 * The manifest and its signature go in and out by file reference: bytes never enter the workflow history.
 */
export async function signEvidenceManifestWorkflow(
  input: SignEvidenceManifestInput,
): Promise<SignedEvidenceManifest> {
  return signEvidenceManifest(input);
}
