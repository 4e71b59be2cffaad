import { type PdfDict, nameOf } from '../core/objects';
import type { FoundSignature } from './find-signatures';
import { isPdfError } from '../core/errors';
import type { DocumentTimestampReport, SignatureReport } from './report';

/**
 * Adds what signature discovery learnt to a verified signature's report: each later removal or rewrite of its references as a forbidden change (ETSI EN 319 142-1 5.4: an update may add signatures,
 * never take one away; ISO 32000-1 12.8.2.2: a signed field's value is locked).
 */
export function applyReferenceChanges(report: SignatureReport, found: FoundSignature): void {
  for (const c of found.referenceChanges) {
    report.changesAfterSigning.push({
      revision: c.revision,
      object: found.container?.num ?? 0,
      rule: c.kind === 'acroform-removed' ? 'ACROFORM_CHANGED' : 'FIELD_REMOVED',
      allowed: false,
      level: 'OTHER',
      field: c.field,
      detail: `revision ${c.revision}: ${c.detail}`,
    });
  }
  const first = found.referenceChanges[0];
  if (!first) return;
  report.modificationLevel = 'OTHER';
  report.messages.push(`document modified after signing: revision ${first.revision}: ${first.detail}`);
  if (report.indication !== 'TOTAL_FAILED') {
    report.indication = 'TOTAL_FAILED';
    report.subIndication = 'MODIFIED_AFTER_SIGNING';
  }
  report.valid = false;
}

/** The report of a signature whose dictionary is ambiguous (duplicate keys): malformed, not verified. */
export function malformedReport(found: FoundSignature): SignatureReport {
  return {
    fieldName: found.fieldNames[0] ?? '',
    fieldNames: [...found.fieldNames],
    valid: false,
    indication: 'TOTAL_FAILED',
    subIndication: 'FORMAT_FAILURE',
    messages: [...found.malformed],
    subFilter: nameOf(found.dict.get('SubFilter')),
    coversWholeDocument: false,
    changesAfterSigning: [],
    signerInfos: [],
  };
}

/**
 * Rethrows what means the file itself could not be read (IO_ERROR); anything else that stopped the verification of
 * one signature (a structure this code did not foresee) becomes its verdict: INDETERMINATE, FORMAT_FAILURE, with
 * the reason, so one odd signature neither hides the others nor turns a readable file into an unreadable one.
 */
export function stoppedReport(fieldNames: string[], sig: PdfDict, err: unknown) {
  if (isPdfError(err) && err.code === 'IO_ERROR') throw err;
  const reason = `verification stopped: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  const base = {
    fieldName: fieldNames[0] ?? '',
    fieldNames: [...fieldNames],
    valid: false,
    indication: 'INDETERMINATE' as const,
    subIndication: 'FORMAT_FAILURE' as const,
    messages: [reason],
    coversWholeDocument: false,
  };
  const signature: SignatureReport = {
    ...base,
    subFilter: nameOf(sig.get('SubFilter')),
    changesAfterSigning: [],
    signerInfos: [],
  };
  const timestamp: DocumentTimestampReport = base;
  return { signature, timestamp };
}
