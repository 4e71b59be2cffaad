import type { ChangeRuleId, ModificationLevel } from './rules';

/** One change made by a revision after the signed one, with the rule that allowed or refused it. */
export interface Change {
  /** 1-based revision (as in `SignatureReport.coveredRevision`) whose update made the change. */
  revision: number;
  /** Object number changed, or 0 for a trailer-level change. */
  object: number;
  /** Stable rule id from `CHANGE_RULES`. */
  rule: ChangeRuleId;
  allowed: boolean;
  /** Modification level of the change (OTHER when refused). */
  level: ModificationLevel;
  /** Fully qualified name of the form field the change belongs to, when it belongs to one. */
  field?: string;
  /** New objects of the same revision that this change brought in (appearance streams, widgets, DSS streams). */
  newObjects?: number[];
  detail: string;
}

/** Changes of one later revision. */
export interface RevisionChanges {
  revision: number;
  /** Highest level among the revision's changes (OTHER when one is refused). */
  level: ModificationLevel;
  changes: Change[];
}

/** DocMDP permissions of the document's certification signature (ISO 32000-1 12.8.2.2, Table 254). */
export interface DocMdpPolicy {
  /** 1: no changes; 2: form filling and signing; 3: also annotations. Default 2 when /P is absent. */
  permissions: 1 | 2 | 3;
  /** Field name of the certification signature. */
  certifiedBy?: string;
}

/** FieldMDP lock of the analysed signature (ISO 32000-1 12.8.2.4 Table 256, 12.7.4.5; ISO 32000-2 Table 236). */
export interface FieldMdpPolicy {
  action: 'All' | 'Include' | 'Exclude';
  fields: string[];
  /** PDF 2.0 /Lock /P: permissions granted after this signature, read like DocMDP /P. */
  permissions?: 1 | 2 | 3;
}

/** Result of the change analysis for one signature. */
export interface ChangeAnalysis {
  /** Highest modification level over all later revisions (OTHER when a change is refused). */
  modificationLevel: ModificationLevel;
  docMdp?: DocMdpPolicy;
  fieldMdp?: FieldMdpPolicy;
  /** Later revisions, oldest first. */
  revisions: RevisionChanges[];
  /** All changes, flattened in revision order. */
  changes: Change[];
}
