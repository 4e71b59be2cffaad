/**
 * Modification levels and the rule table of the change analysis, modelled on pyHanko's whitelisting diff analysis
 * (`ModificationLevel`, `StandardDiffPolicy`) and the EU DSS modification detection. Every object a later revision
 * adds, overrides or frees is matched by exactly one rule; a change no rule allows is refused.
 */

/**
 * How far a document moved from the signed revision, in increasing order (pyHanko `ModificationLevel`).
 * The numeric rank of LTA_UPDATES, FORM_FILLING and ANNOTATIONS lines up with DocMDP /P 1, 2 and 3
 * (ISO 32000-1 12.8.2.2.2 Table 254): a change is within a permission when its rank is at most /P.
 */
export const MODIFICATION_LEVELS = ['NONE', 'LTA_UPDATES', 'FORM_FILLING', 'ANNOTATIONS', 'OTHER'] as const;
export type ModificationLevel = (typeof MODIFICATION_LEVELS)[number];

export function levelRank(level: ModificationLevel): number {
  return MODIFICATION_LEVELS.indexOf(level);
}

export function maxLevel(a: ModificationLevel, b: ModificationLevel): ModificationLevel {
  return levelRank(a) >= levelRank(b) ? a : b;
}

interface RuleSpec {
  allowed: boolean;
  level: ModificationLevel;
  meaning: string;
}

/**
 * Rules of the change analysis, by stable id. `level` is the modification level an allowed change raises the
 * document to; refused rules are all OTHER. Ids are persisted in verification reports: never rename one.
 */
export const CHANGE_RULES = {
  FILE_STRUCTURE: {
    allowed: true,
    level: 'NONE',
    meaning: 'cross-reference or object stream written by the update (ISO 32000-1 7.5.7, 7.5.8)',
  },
  UNREFERENCED_OBJECTS: {
    allowed: true,
    level: 'LTA_UPDATES',
    meaning: 'new objects no changed object refers to (orphans; they cannot change what is shown)',
  },
  INFO_UPDATE: {
    allowed: true,
    level: 'LTA_UPDATES',
    meaning: 'document information dictionary (/Info) updated (ISO 32000-1 14.3.3)',
  },
  XMP_UPDATE: {
    allowed: true,
    level: 'LTA_UPDATES',
    meaning: 'catalog /Metadata XMP stream updated or replaced (ISO 32000-1 14.3.2)',
  },
  DSS_UPDATE: {
    allowed: true,
    level: 'LTA_UPDATES',
    meaning: 'document security store /DSS and /VRI added or extended (ETSI EN 319 142-1 5.4.2)',
  },
  DSS_VRI_REWRITTEN: {
    allowed: true,
    level: 'LTA_UPDATES',
    meaning:
      '/DSS extended with an earlier /VRI entry rewritten, holding validation data only (/Cert /CRL /OCSP /TU /TS, ' +
      'ETSI EN 319 142-1 5.4.2.2), as DSS writes when it extends a signature again: the verifier checks that data ' +
      'itself and nothing is shown from it; a VRI entry removed, or with other keys, stays DSS_MALFORMED',
  },
  DOC_TIMESTAMP_ADDED: {
    allowed: true,
    level: 'LTA_UPDATES',
    meaning:
      'invisible document time-stamp field added or filled (ISO 32000-2 12.8.5, ETSI EN 319 142-1 5.4.3)',
  },
  VERSION_BUMP: {
    allowed: true,
    level: 'LTA_UPDATES',
    meaning: 'catalog /Version raised (ISO 32000-1 7.7.2)',
  },
  CATALOG_COPIED: {
    allowed: true,
    level: 'LTA_UPDATES',
    meaning:
      'trailer /Root moved to a new copy of the catalog, the old catalog left as it was; each entry that differs ' +
      'from the old catalog is decided by the catalog rules, as DSS and pyHanko compare catalogs by content',
  },
  EXTENSIONS_UPDATE: {
    allowed: true,
    level: 'LTA_UPDATES',
    meaning:
      'catalog /Extensions (developer extensions, ISO 32000-1 7.12, in the catalog or an indirect dictionary only ' +
      'the catalog uses) or /MarkInfo updated',
  },
  ACROFORM_UPDATE: {
    allowed: true,
    level: 'LTA_UPDATES',
    meaning: 'AcroForm /SigFlags, /DA or /Q set by a signer (ISO 32000-1 12.7.2 Table 218)',
  },
  NEED_APPEARANCES: {
    allowed: true,
    level: 'FORM_FILLING',
    meaning: 'AcroForm /NeedAppearances set or cleared (ISO 32000-1 12.7.2)',
  },
  WRITER_VERSION_MARK: {
    allowed: true,
    level: 'LTA_UPDATES',
    meaning:
      'page tree node /ITXT set or changed: the iText version a writer records there (not an ISO 32000 entry, ' +
      'nothing is shown from it)',
  },
  ACROFORM_DR: {
    allowed: true,
    level: 'FORM_FILLING',
    meaning:
      'AcroForm /DR default resources extended, in the AcroForm or in an indirect /DR; existing resources keep ' +
      'their objects',
  },
  SIGNATURE_FIELD_ADDED: {
    allowed: true,
    level: 'FORM_FILLING',
    meaning: 'new signature field and its widget added to /Fields and page /Annots (ISO 32000-1 12.7.4.5)',
  },
  SIGNATURE_FIELD_FILLED: {
    allowed: true,
    level: 'FORM_FILLING',
    meaning: 'empty signature field of the signed revision signed (/V, /AP set; ISO 32000-1 12.7.4.5)',
  },
  FIELD_APPEARANCE_UPDATED: {
    allowed: true,
    level: 'FORM_FILLING',
    meaning:
      'appearance or display entries (/AP, /AS, /F, /DA, /Q) of a field that was empty or where filling is ' +
      'permitted, a field re-using its own appearance streams, or /Ff flags',
  },
  FORM_FIELD_FILLED: {
    allowed: true,
    level: 'FORM_FILLING',
    meaning:
      "form field value (/V, and a choice field's /I) set: an empty field filled, or any field where DocMDP " +
      'P=2/3 allows form filling',
  },
  STRUCT_TREE_UPDATE: {
    allowed: true,
    level: 'FORM_FILLING',
    meaning:
      'structure tree /ParentTree and /K extended for added widgets, or a page /StructParents key into the ' +
      '/ParentTree set (ISO 32000-1 14.7.4.4; iText leaves /StructParents out of its page comparison)',
  },
  STRUCT_TREE_ANNOTATION_REMOVED: {
    allowed: true,
    level: 'ANNOTATIONS',
    meaning:
      "structure element's /K drops only object references (OBJR, ISO 32000-1 14.7.4.3) to non-widget annotations " +
      'that the same revision removes from their page (iText DocumentRevisionsValidator); allowed only where ' +
      'annotations may be changed',
  },
  STRUCT_TREE_OBJR_MARKED: {
    allowed: true,
    level: 'ANNOTATIONS',
    meaning:
      "structure element's direct object references (OBJR) gain or change only keys outside ISO 32000-1 Table 325 " +
      '(/Type, /Pg, /Obj kept), next to a change of the non-widget annotation they name (iText ' +
      'DocumentRevisionsValidator); allowed only where annotations may be changed',
  },
  TAB_ORDER_STRUCTURE: {
    allowed: true,
    level: 'FORM_FILLING',
    meaning:
      'page /Tabs /S (structure order) set where the page gave no tab order (ISO 32000-1 12.5 Table 30), as ' +
      'writers do when adding a widget to a tagged page (iText DocumentRevisionsValidator compareTabs)',
  },
  TAB_ORDER_CHANGED: {
    allowed: true,
    level: 'ANNOTATIONS',
    meaning:
      'page /Tabs annotation tab order changed: allowed where annotations may be modified (iText ' +
      'DocumentRevisionsValidator compareTabs)',
  },
  ANNOTATION_ADDED: {
    allowed: true,
    level: 'ANNOTATIONS',
    meaning: 'annotation added, changed or deleted where DocMDP P=3 allows it (ISO 32000-1 12.8.2.2.2)',
  },
  ANNOTATION_ADDED_CLEAR: {
    allowed: true,
    level: 'ANNOTATIONS',
    meaning:
      'annotation (not a widget) added to a document without certification, its /Rect clear of everything the ' +
      'page showed: an over-estimate of what the content streams draw and the /Rect of every annotation (DSS ' +
      'accepts added annotations and flags those that overlap others or change the visible page); under DocMDP ' +
      'P=1/P=2 it is refused as any annotation',
  },
  NAMED_APPEARANCES_ADDED: {
    allowed: true,
    level: 'ANNOTATIONS',
    meaning:
      'catalog /Names gains an /AP name tree (named annotation appearance streams, ISO 32000-1 7.7.4 Table 31), ' +
      'every other name tree kept: nothing is drawn from it unless an annotation, judged on its own, uses it',
  },
  ROOT_REPLACED: {
    allowed: false,
    level: 'OTHER',
    meaning: 'trailer /Root points to another catalog',
  },
  CATALOG_CHANGED: {
    allowed: false,
    level: 'OTHER',
    meaning: 'catalog entry other than /AcroForm, /DSS, /Metadata, /Version, /Extensions, /MarkInfo changed',
  },
  ACROFORM_CHANGED: {
    allowed: false,
    level: 'OTHER',
    meaning: 'AcroForm removed, replaced, or an entry other than the form-filling ones changed',
  },
  FIELD_ADDED: {
    allowed: false,
    level: 'OTHER',
    meaning: 'non-signature form field added after signing',
  },
  FIELD_REMOVED: {
    allowed: false,
    level: 'OTHER',
    meaning: 'form field or widget removed after signing',
  },
  FIELD_CHANGED: {
    allowed: false,
    level: 'OTHER',
    meaning:
      'form field entry other than /V, /I, /AP, /AS, /F, /DA, /Q, /Ff changed (e.g. /Rect, /FT, /Kids)',
  },
  SIGNATURE_DICTIONARY_ALTERED: {
    allowed: false,
    level: 'OTHER',
    meaning: 'signature dictionary or filled signature field of the signed revision altered',
  },
  PAGE_RESOURCES_EXTENDED: {
    allowed: true,
    level: 'LTA_UPDATES',
    meaning:
      'page /Resources rewritten with every signed entry kept, possibly with new resource names that the signed ' +
      'page content does not use (so nothing new is drawn)',
  },
  PAGE_CONTENT_CHANGED: {
    allowed: false,
    level: 'OTHER',
    meaning: 'page /Contents, /Resources or a content stream changed',
  },
  PAGE_CHANGED: {
    allowed: false,
    level: 'OTHER',
    meaning: 'page dictionary entry other than /Annots changed (e.g. /MediaBox, /Rotate)',
  },
  PAGES_ADDED_OR_REMOVED: {
    allowed: false,
    level: 'OTHER',
    meaning: 'page tree changed: pages added, removed or reordered',
  },
  ANNOTATION_NOT_PERMITTED: {
    allowed: false,
    level: 'OTHER',
    meaning:
      'annotation changed or removed without a DocMDP P=3 certification that allows it, or added over what the ' +
      'page showed (an added one clear of it is ANNOTATION_ADDED_CLEAR)',
  },
  SHADOW_HIDE_OVERLAY: {
    allowed: false,
    level: 'OTHER',
    meaning: 'hide attack: a visible annotation laid over signed page content without permission',
  },
  SHADOW_REPLACE_FIELD: {
    allowed: false,
    level: 'OTHER',
    meaning:
      'replace attack: value or appearance of a field that had a value when signed swapped, not certified',
  },
  SHADOW_REPLACE_FONT: {
    allowed: false,
    level: 'OTHER',
    meaning: 'replace attack: a font of the signed revision redefined',
  },
  SHADOW_HIDE_AND_REPLACE: {
    allowed: false,
    level: 'OTHER',
    meaning: 'hide-and-replace attack: an XObject the signed pages draw redefined by a later revision',
  },
  DSS_MALFORMED: {
    allowed: false,
    level: 'OTHER',
    meaning: '/DSS or /VRI with unexpected keys, or an earlier VRI entry removed or redefined in place',
  },
  DOCMDP_FORBIDS: {
    allowed: false,
    level: 'OTHER',
    meaning: 'change above the DocMDP /P (or PDF 2.0 /Lock /P) permission (ISO 32000-1 12.8.2.2)',
  },
  FIELD_LOCKED: {
    allowed: false,
    level: 'OTHER',
    meaning:
      'change to a field the signature locks with FieldMDP /Action All/Include/Exclude (12.8.2.4, 12.7.4.5)',
  },
  OBJECT_FREED: {
    allowed: false,
    level: 'OTHER',
    meaning: 'object of the signed revision freed or deleted',
  },
  DANGLING_REFERENCE_FILLED: {
    allowed: false,
    level: 'OTHER',
    meaning:
      'object numbered below the signed revision /Size defined later with no changed object referring to it: a ' +
      'dangling reference of the signed revision now resolves to it (hide-and-replace)',
  },
  SHARED_OBJECT_OVERRIDDEN: {
    allowed: false,
    level: 'OTHER',
    meaning:
      "object a rule lets change in one place (a field's appearance stream or /AP dictionary, the catalog " +
      '/Extensions) is also used elsewhere in the signed revision (another object or the trailer refers to it), ' +
      'so the change reaches there too (pyHanko: every usage of an overridden object must be cleared)',
  },
  OBJECT_OVERRIDDEN: {
    allowed: false,
    level: 'OTHER',
    meaning: 'object of the signed revision redefined where no rule allows it',
  },
} as const satisfies Record<string, RuleSpec>;

export type ChangeRuleId = keyof typeof CHANGE_RULES;
