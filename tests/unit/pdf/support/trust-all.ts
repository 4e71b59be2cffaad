import type { ValidationReport } from '../../../../pki/types';

/** The validation time of the CMS verdict tests (inside the test PKI's validity and CRL period). */
export const AT = new Date('2026-03-01T00:00:00Z');

/**
 * A path validation that accepts every path: verdict tests inject it so that a result speaks for the CMS and the
 * PDF structure alone, not for trust.
 */
export const trustAll = async (): Promise<ValidationReport> => ({
  valid: true,
  code: 'VALID',
  message: 'ok',
  path: [],
});
