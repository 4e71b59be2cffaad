import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from 'mongodb';
import { signDetached } from '../evidence/signature';
import type { FileRef } from '../schemas/document';
import { isLienthongError } from '../schemas/errors';
import { FileStore } from '../store/file-store';
import type { PkiStore } from '../store/pki-store';
import { timestampSource } from './exchange/signing';

export interface EvidenceActivityDeps {
  db: Db;
  pki: PkiStore;
  clock: () => Date;
  /** The agency whose organisation certificate signs evidence manifests (the province, LIENTHONG_SYSTEM_AGENCY). */
  systemAgency: string;
  longTerm?: { level: 'B-B' | 'B-T' | 'B-LTA'; tsaUrl?: string };
}

export interface SignEvidenceManifestInput {
  /** The ASiC manifest, stored by the API: bytes never enter workflow history. */
  manifest: FileRef;
}

export interface SignedEvidenceManifest {
  /** The detached CMS (META-INF/signature.p7s), stored. */
  signature: FileRef;
  signedBy: string;
  timestamped: boolean;
}

/** Activities of evidence bundles: the province key is used here, in the worker, never in the API process. */
export function createEvidenceActivities(deps: EvidenceActivityDeps) {
  const files = new FileStore(deps.db);
  return {
    /**
     * Signs an evidence bundle's manifest with the system agency's (the province's) organisation certificate,
     * with a signature time-stamp from the exchange's TSA (the province TSA unless EXCHANGE_TSA_URL names another)
     * unless the exchange signs at level B-B. A missing or revoked key (CERT_NOT_FOUND / CERT_REVOKED) is final.
     */
    async signEvidenceManifest(input: SignEvidenceManifestInput): Promise<SignedEvidenceManifest> {
      try {
        const manifest = await files.get(input.manifest);
        const signer = await deps.pki.signerFor(
          { agency: deps.systemAgency, profile: 'organisation' },
          deps.clock(),
        );
        const level = deps.longTerm?.level ?? 'B-LTA';
        const source =
          level === 'B-B' ? undefined : timestampSource(deps, { level, tsaUrl: deps.longTerm?.tsaUrl });
        const cms = await signDetached(manifest, signer, source);
        const signature = await files.put(cms, {
          fileName: 'signature.p7s',
          contentType: 'application/pkcs7-signature',
        });
        return { signature, signedBy: deps.systemAgency, timestamped: source !== undefined };
      } catch (err) {
        if (isLienthongError(err)) throw ApplicationFailure.nonRetryable(err.message, err.code, err.details);
        throw err;
      }
    },
  };
}

export type EvidenceActivities = ReturnType<typeof createEvidenceActivities>;
