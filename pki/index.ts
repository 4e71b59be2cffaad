export type { PathValidationInput, ValidationReport, ValidationCode, KeyUsageName } from './types';
export { ValidationCodes } from './types';
export type { Signer } from './signer';
