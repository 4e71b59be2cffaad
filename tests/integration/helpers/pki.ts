import type { Agency } from '../../../schemas/identity';
import type { AppDeps } from '../../../api/deps';
import { user } from './api';

/**
 * The CA, and for each of `agencies` its organisation certificate and its demo signer's personal certificate.
 * Issued ten minutes ago: a PDF signing time (whole seconds) never precedes a certificate's notBefore.
 */
export async function preparePki(deps: AppDeps, agencies: readonly Agency[]): Promise<void> {
  const now = new Date(Date.now() - 10 * 60_000);
  await deps.pki.ensureCa(now);
  for (const agency of agencies) {
    const signer = await deps.identity.getUser(user('signer', agency.code));
    await deps.pki.ensureAgencyCertificates(agency, signer ? [signer] : [], now);
  }
}
