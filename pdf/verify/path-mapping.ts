import type { ValidationCode } from '../../pki/types';
import type { Indication, SubIndication } from './report';

/**
 * Maps an RFC 5280 path validation result code to an ETSI EN 319 102-1 indication. `when` says whether the path
 * was validated at the claimed signing time or at the validation time: a certificate that was fine when signing
 * but expired or was revoked since, with no proof of existence (no time-stamp in B-B), is INDETERMINATE
 * OUT_OF_BOUNDS_NO_POE / REVOKED_NO_POE rather than TOTAL_FAILED.
 */
export function mapValidationCode(
  code: ValidationCode,
  when: 'signing' | 'validation',
): { indication: Indication; subIndication: SubIndication } | undefined {
  switch (code) {
    case 'VALID':
      return undefined;
    case 'REVOKED':
      return when === 'signing'
        ? { indication: 'TOTAL_FAILED', subIndication: 'REVOKED' }
        : { indication: 'INDETERMINATE', subIndication: 'REVOKED_NO_POE' };
    case 'EXPIRED':
      return when === 'signing'
        ? { indication: 'TOTAL_FAILED', subIndication: 'EXPIRED' }
        : { indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE' };
    case 'NOT_YET_VALID':
      return when === 'signing'
        ? { indication: 'TOTAL_FAILED', subIndication: 'NOT_YET_VALID' }
        : { indication: 'INDETERMINATE', subIndication: 'NOT_YET_VALID' };
    case 'UNTRUSTED_ROOT':
    case 'PATH_NOT_FOUND':
      return { indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' };
    case 'CRL_MISSING':
      return { indication: 'INDETERMINATE', subIndication: 'TRY_LATER' };
    case 'CRL_INVALID':
    case 'MALFORMED':
      return { indication: 'INDETERMINATE', subIndication: 'CERTIFICATE_CHAIN_GENERAL_FAILURE' };
    default:
      return { indication: 'INDETERMINATE', subIndication: 'CHAIN_CONSTRAINTS_FAILURE' };
  }
}
