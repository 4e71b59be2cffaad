/** Temporal task queue served by the lienthong worker. */
export const TASK_QUEUE = 'lienthong';

/** JetStream stream that carries the smoke-check messages of the health probe and the smoke workflow. */
export const SMOKE_STREAM = 'LIENTHONG_SMOKE';
export const SMOKE_SUBJECT = 'lienthong.smoke';

/** Time zone in which every period (day, month, year) is counted. */
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

/** MongoDB collection names (plural snake case). */
export const Collections = {
  agencies: 'agencies',
  /** One document, `mergers`: changes whenever an agency is merged into another (readers' cache key). */
  agencyMergers: 'agency_mergers',
  users: 'users',
  auditEvents: 'audit_events',
  auditHeads: 'audit_heads',
  loginAttempts: 'login_attempts',
  smokeChecks: 'smoke_checks',
} as const;

/** Temporal header that carries the originating request id into workflow and activity logs. */
export const REQUEST_ID_HEADER = 'lienthong-request-id';
