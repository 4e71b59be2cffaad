export { smokeCheckWorkflow } from './smoke';
export type { SmokeCheckInput, SmokeCheckResult } from './smoke';
export { pkiMaintenanceWorkflow } from './pki-maintenance';
export type { PkiMaintenanceInput } from './pki-maintenance';
export { documentWorkflow } from './document';
export { receivedDocumentWorkflow } from './received-document';
export * from './exchange-messages';
export { personnelChangeWorkflow } from './personnel-change';
export type { PersonnelChangeInput } from './personnel-change';
