import type { ByteSource } from '../core/source';
import { checkByteRange } from './byte-range';
import type { DocumentTimestampReport } from './report';
import { verifyTimestampToken } from './timestamps';
import { Verdict } from './verdict';
import type { SignatureOptions, SignatureTarget } from './verify-signature';

/**
 * Verifies a document time-stamp (ISO 32000-2 12.8.5; ETSI EN 319 142-1 5.4, /SubFilter /ETSI.RFC3161): the
 * ByteRange as for a signature, then the RFC 3161 token in /Contents with its message imprint over the ByteRange.
 */
export async function verifyDocumentTimestamp(
  src: ByteSource,
  target: SignatureTarget,
  opts: SignatureOptions,
  revEnds: readonly number[],
): Promise<DocumentTimestampReport> {
  const v = new Verdict();
  const base = {
    fieldName: target.fieldNames[0]!,
    fieldNames: target.fieldNames,
    coversWholeDocument: false,
  };
  const range = await checkByteRange(v, src, target.sig, target.offset, revEnds);
  // A time-stamp has no change analysis to weigh a non-standard coverage: it is refused as malformed.
  if (range?.coverageAnomalies.length)
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', `/ByteRange coverage: ${range.coverageAnomalies.join('; ')}`);
  if (!range || !v.passed)
    return {
      ...base,
      valid: false,
      indication: v.indication,
      subIndication: v.subIndication,
      messages: v.messages,
    };
  const { report } = await verifyTimestampToken(range.contents, range.content, opts);
  return {
    ...report,
    ...base,
    byteRange: range.byteRange,
    coversWholeDocument: range.coversWholeDocument,
    ...(range.coveredRevision !== undefined ? { coveredRevision: range.coveredRevision } : {}),
  };
}
