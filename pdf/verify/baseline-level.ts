import type { DssMaterial } from './dss';
import type { DocumentTimestampReport, SignatureReport } from './report';

/** PAdES baseline levels (ETSI EN 319 142-1 6): each adds to the one before. */
export const BASELINE_LEVELS = ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const;
export type BaselineLevel = (typeof BASELINE_LEVELS)[number];

/** Last byte a document time-stamp's ByteRange covers (its own revision, ISO 32000-2 12.8.5). */
const coverageEnd = (t: DocumentTimestampReport) => (t.byteRange ? t.byteRange[2]! + t.byteRange[3]! : 0);

/**
 * The baseline level a PAdES signature reaches (ETSI EN 319 142-1 6.2-6.5), from verified parts only:
 * - B-B: an ETSI.CAdES.detached signature;
 * - B-T: plus a valid signature time-stamp, or a valid document time-stamp in a later revision (6.3);
 * - B-LT: plus a /DSS holding validation material (a /VRI entry for this signature, or CRLs) (6.4);
 * - B-LTA: plus a valid document time-stamp covering the revision that added the /DSS (6.5).
 * Undefined for signatures that are not PAdES (adbe.pkcs7.*) or not valid as B-B.
 */
export function baselineLevel(
  sig: SignatureReport,
  vriKey: string | undefined,
  dss: DssMaterial,
  stamps: readonly DocumentTimestampReport[],
): BaselineLevel | undefined {
  if (sig.subFilter !== 'ETSI.CAdES.detached' || sig.indication === 'TOTAL_FAILED') return undefined;
  const signatureTimestamp = sig.signerInfos[0]?.signatureTimestamps.some((t) => t.valid) ?? false;
  const laterStamp = stamps.some((t) => t.valid && coverageEnd(t) > (sig.signedLength ?? Infinity));
  if (!signatureTimestamp && !laterStamp) return 'B-B';
  const material = dss.present && ((vriKey !== undefined && dss.vriKeys.has(vriKey)) || dss.crls.length > 0);
  if (!material) return 'B-T';
  const archived =
    dss.firstRevisionEnd !== undefined &&
    stamps.some((t) => t.valid && coverageEnd(t) >= dss.firstRevisionEnd!);
  return archived ? 'B-LTA' : 'B-LT';
}
