import { encodeTextString } from '../core/document';
import { PdfError } from '../core/errors';
import { PdfDict, PdfName, PdfString, type PdfValue } from '../core/objects';

/** DocMDP permissions (ISO 32000-1 12.8.2.2.2 Table 254): 1 no changes, 2 form filling and signing, 3 also annotations. */
export type MdpPermissions = 1 | 2 | 3;

/** FieldMDP lock (ISO 32000-1 12.8.2.4 Table 256; ISO 32000-2 12.7.5.5 adds /P to the field's /Lock). */
export interface FieldLockOptions {
  action: 'All' | 'Include' | 'Exclude';
  /** Fully qualified field names for Include/Exclude. */
  fields?: string[];
  /** PDF 2.0: DocMDP-like permissions granted after this signature. */
  permissions?: MdpPermissions;
}

function checkPermissions(p: unknown): void {
  if (p !== undefined && p !== 1 && p !== 2 && p !== 3)
    throw new PdfError('INVALID_OPTION', `MDP permissions must be 1, 2 or 3, not ${String(p)}`);
}

function lockEntries(lock: FieldLockOptions): [string, PdfValue][] {
  if (!['All', 'Include', 'Exclude'].includes(lock.action))
    throw new PdfError('INVALID_OPTION', `FieldMDP action must be All, Include or Exclude`);
  const out: [string, PdfValue][] = [['Action', new PdfName(lock.action)]];
  if (lock.action !== 'All')
    out.push(['Fields', (lock.fields ?? []).map((f) => new PdfString(encodeTextString(f), true))]);
  return out;
}

/**
 * Signature reference dictionaries (ISO 32000-1 12.8.1 Table 253) for a certification (/TransformMethod /DocMDP)
 * and/or a field lock (/TransformMethod /FieldMDP). Returned as the /Reference array, or undefined for neither.
 * /DigestMethod is left out: ISO 32000-2 deprecates the reference digest and validators ignore it.
 */
export function signatureReferences(
  certify: MdpPermissions | undefined,
  lock: FieldLockOptions | undefined,
): PdfValue[] | undefined {
  checkPermissions(certify);
  const refs: PdfValue[] = [];
  const sigRef = (method: string, params: [string, PdfValue][]) =>
    new PdfDict([
      ['Type', new PdfName('SigRef')],
      ['TransformMethod', new PdfName(method)],
      [
        'TransformParams',
        new PdfDict([['Type', new PdfName('TransformParams')], ...params, ['V', new PdfName('1.2')]]),
      ],
    ]);
  if (certify !== undefined) refs.push(sigRef('DocMDP', [['P', certify]]));
  if (lock) refs.push(sigRef('FieldMDP', lockEntries(lock)));
  return refs.length ? refs : undefined;
}

/** The signature field's /Lock dictionary (ISO 32000-1 12.7.4.5 Table 233, /P from ISO 32000-2). */
export function signatureFieldLock(lock: FieldLockOptions): PdfDict {
  checkPermissions(lock.permissions);
  const d = new PdfDict([['Type', new PdfName('SigFieldLock')], ...lockEntries(lock)]);
  if (lock.permissions !== undefined) d.set('P', lock.permissions);
  return d;
}
