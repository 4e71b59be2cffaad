import type { AuditStore } from '../store/audit-store';
import type { PkiStore } from '../store/pki-store';

export interface PkiActivityDeps {
  pki: PkiStore;
  audit: AuditStore;
  clock: () => Date;
  systemAgency: string;
  /** Days before expiry at which holders are reminded to renew. */
  renewalReminderDays: number;
}

/** Activities of the CA's housekeeping: CRL republication and renewal reminders. */
export function createPkiActivities(deps: PkiActivityDeps) {
  return {
    /** Republishes both CRLs (so nextUpdate never lapses) and audits the new CRL numbers. */
    async refreshCrls(runId: string): Promise<{ root: number; issuing: number }> {
      const now = deps.clock();
      // Nothing to publish before the CA exists (`lienthong pki ca init` or the demo seed creates it).
      if (!(await deps.pki.isInitialised())) return { root: 0, issuing: 0 };
      await deps.pki.publishCrl('root', now);
      await deps.pki.publishCrl('issuing', now);
      const numbers = await deps.pki.crlNumbers();
      await deps.audit.append({
        id: `pki.crl_published:${runId}`,
        time: now.toISOString(),
        agency: deps.systemAgency,
        actor: 'system',
        type: 'pki.crl_published',
        details: numbers,
      });
      return numbers;
    },

    /** Audits one reminder per certificate expiring within the reminder window (idempotent per certificate). */
    async remindExpiringCertificates(): Promise<number> {
      const now = deps.clock();
      const horizon = new Date(now.getTime() + deps.renewalReminderDays * 86_400_000);
      const expiring = await deps.pki.expiringBefore(horizon, now);
      for (const cert of expiring) {
        await deps.audit.append({
          id: `pki.renewal_reminder:${cert.serialHex}`,
          time: now.toISOString(),
          agency: cert.agency,
          actor: 'system',
          type: 'pki.renewal_reminder',
          details: {
            serial: cert.serialHex,
            subject: cert.subject,
            notAfter: cert.notAfter.toISOString(),
            username: cert.username,
          },
        });
      }
      return expiring.length;
    },
  };
}

export type PkiActivities = ReturnType<typeof createPkiActivities>;
