import type { PathValidationInput, ValidationReport } from '../types';
import { validatePathSync } from './validate-path';

export { validatePathSync };

/**
 * RFC 5280 Section 6 path validation (see {@link validatePathSync}); async so key backends and future OCSP support
 * keep the same signature.
 */
export function validatePath(input: PathValidationInput): Promise<ValidationReport> {
  try {
    return Promise.resolve(validatePathSync(input));
  } catch (err) {
    return Promise.reject(err as Error);
  }
}
