import type { Db } from 'mongodb';
import { parseCertificate } from '../pdf/cms/certificate';
import { isRenewalDue } from '../pki/tsa/archive-policy';
import type { ArchiveEventTypes } from '../schemas/audit-events';
import { ArchiveIndex } from '../store/archive-index';
import type { AuditStore } from '../store/audit-store';
import { FileStore } from '../store/file-store';
import type { PkiStore } from '../store/pki-store';
import { DEFAULT_LONG_TERM_SIGNING, archiveTimestamp, timestampSource } from './exchange/signing';
import { permanentAsFailure } from './exchange/shared';

export interface ArchiveActivityDeps {
  db: Db;
  pki: PkiStore;
  audit: AuditStore;
  clock: () => Date;
  /** The exchange's TSA (default the province TSA in process). */
  longTerm?: { level: 'B-B' | 'B-T' | 'B-LTA'; tsaUrl?: string };
}

/** The audit event of a renewal (details: old and new SHA-256 of the file, and until when each time-stamp holds). */
export const ARCHIVE_RENEWED_EVENT: (typeof ArchiveEventTypes)[number] = 'document.archive_timestamp_renewed';

export interface ArchiveRenewalPolicy {
  /** Renew once the time-stamp's certificates end within this many days (README, Long-term validity). */
  windowDays: number;
}

/** What one renewal did to one document. */
export type ArchiveRenewalOutcome =
  | { id: string; renewed: true; oldSha256: string; newSha256: string; reliesUntil: string }
  | { id: string; renewed: false; reason: 'not-due' | 'not-indexed' | 'tsa-not-newer' | 'concurrent' };

/**
 * Until when a fresh token of the province TSA would hold (the earliest notAfter of its chain, after any rollover
 * due at `now`), or undefined for an external TSA, which cannot be asked beforehand.
 */
async function provinceTsaReliesUntil(deps: ArchiveActivityDeps, now: Date): Promise<Date | undefined> {
  if (deps.longTerm?.tsaUrl) return undefined;
  const { chain } = await deps.pki.tsa().credentials(now);
  return chain.map((c) => parseCertificate(c).notAfter).reduce((a, b) => (a < b ? a : b));
}

/**
 * Archive time-stamp renewal (ETSI EN 319 142-1 6.5, B-LTA): documents whose newest document time-stamp relies on
 * certificates ending within the policy window get a fresh /DSS (now also covering the earlier time-stamps) and a
 * new document time-stamp, as an incremental update; the new version is stored and audited.
 */
export function createArchiveActivities(deps: ArchiveActivityDeps) {
  const index = new ArchiveIndex(deps.db);
  const files = new FileStore(deps.db);
  const lt = deps.longTerm ?? DEFAULT_LONG_TERM_SIGNING;
  return {
    /** Ids of up to `limit` documents due for renewal, most urgent first (read from the index, no PDF parsed). */
    async findDueArchiveTimestamps(input: ArchiveRenewalPolicy & { limit: number }): Promise<string[]> {
      const due = await index.due(deps.clock(), input.windowDays, input.limit);
      return due.map((e) => e._id);
    },

    /** Renews one document's archive time-stamp if it is (still) due; idempotent. Bytes stay out of history. */
    async renewArchiveTimestamp(
      input: ArchiveRenewalPolicy & { id: string },
    ): Promise<ArchiveRenewalOutcome> {
      return permanentAsFailure(async () => {
        const now = deps.clock();
        const entry = await index.get(input.id);
        if (!entry) return { id: input.id, renewed: false, reason: 'not-indexed' };
        if (!isRenewalDue(entry.reliesUntil, now, input.windowDays))
          return { id: input.id, renewed: false, reason: 'not-due' };
        // A TSA that cannot outlast the old time-stamp would add bytes and nothing else (its rollover comes first).
        const fresh = await provinceTsaReliesUntil(deps, now);
        if (fresh && fresh <= entry.reliesUntil)
          return { id: input.id, renewed: false, reason: 'tsa-not-newer' };
        const renewed = await archiveTimestamp(deps, await files.get(entry.file), timestampSource(deps, lt));
        const file = await files.put(renewed.bytes, { fileName: entry.fileName });
        const reliesUntil = renewed.reliesUntil ?? new Date(0);
        // Audit before moving the index: a crash in between renews again (a second event) rather than losing one.
        await deps.audit.append({
          id: `${entry._id}#archive:${file.sha256}`,
          time: now.toISOString(),
          agency: entry.agency,
          actor: 'system',
          type: ARCHIVE_RENEWED_EVENT,
          documentId: entry.documentId,
          details: {
            fileName: entry.fileName,
            oldSha256: entry.file.sha256,
            newSha256: file.sha256,
            previousReliesUntil: entry.reliesUntil.toISOString(),
            reliesUntil: reliesUntil.toISOString(),
          },
        });
        if (!(await index.renewed(entry._id, entry.file, { file, reliesUntil, stampedAt: now })))
          return { id: input.id, renewed: false, reason: 'concurrent' };
        return {
          id: input.id,
          renewed: true,
          oldSha256: entry.file.sha256,
          newSha256: file.sha256,
          reliesUntil: reliesUntil.toISOString(),
        };
      });
    },
  };
}
export type ArchiveActivities = ReturnType<typeof createArchiveActivities>;
