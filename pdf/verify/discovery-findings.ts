import { nameOf } from '../core/objects';
import type { FoundSignature } from './find-signatures';
import type { SignatureReport } from './report';

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
