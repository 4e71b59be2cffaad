import { expect } from '@jest/globals';
import { type SignatureReport, type SignPdfOptions, signPdf, verifyPdf } from '../../../../pdf';
import { PdfReader } from '../../../../pdf/core/document';
import { PdfDict, PdfName, type PdfRef, type PdfValue } from '../../../../pdf/core/objects';
import { bufferSource } from '../../../../pdf/core/source';
import { analyseChanges, type ChangeAnalysis, type ChangeRuleId } from '../../../../pdf/verify/changes';
import type { TestPki } from '../../../helpers/test-pki';
import { type Edit, text } from './revisions';
import { ORGANISATION_TIME, PERSONAL_TIME } from './signing';

export const n = (s: string): PdfName => new PdfName(s);

/** The leader's invisible signature (field Signature1), optionally certifying or locking. */
export function signFirst(pki: TestPki, bytes: Uint8Array, extra: Partial<SignPdfOptions> = {}) {
  return signPdf(bytes, { signer: pki.personal.signer, signingTime: PERSONAL_TIME, ...extra });
}

/** The agency's signature on top (field Signature2). */
export function signSecond(pki: TestPki, bytes: Uint8Array, extra: Partial<SignPdfOptions> = {}) {
  return signPdf(bytes, { signer: pki.organisation.signer, signingTime: ORGANISATION_TIME, ...extra });
}

/** The report of the signature in field `name` (default the first signature). */
export async function reportOf(
  pki: TestPki,
  bytes: Uint8Array,
  name = 'Signature1',
): Promise<SignatureReport> {
  const r = await verifyPdf(bytes, { anchors: pki.anchors, crls: [pki.crl, pki.rootCrl], at: pki.at });
  const s = r.signatures.find((x) => x.fieldName === name);
  if (!s) throw new Error(`no signature ${name}: ${r.signatures.map((x) => x.fieldName).join(', ')}`);
  return s;
}

/** Asserts the signature passes with every change allowed, one of them by `rule`. */
export async function expectAllowed(
  pki: TestPki,
  bytes: Uint8Array,
  rule: ChangeRuleId,
): Promise<SignatureReport> {
  const s = await reportOf(pki, bytes);
  expect(s.changesAfterSigning.filter((c) => !c.allowed)).toEqual([]);
  expect(s.changesAfterSigning.map((c) => c.rule)).toContain(rule);
  expect(s.indication).toBe('TOTAL_PASSED');
  return s;
}

/** Asserts the signature fails with the forbidden-change sub-indication, a refused change naming `rule`. */
export async function expectRefused(
  pki: TestPki,
  bytes: Uint8Array,
  rule: ChangeRuleId,
): Promise<SignatureReport> {
  const s = await reportOf(pki, bytes);
  expect(s.changesAfterSigning.filter((c) => !c.allowed).map((c) => c.rule)).toContain(rule);
  expect(s.indication).toBe('TOTAL_FAILED');
  expect(s.subIndication).toBe('MODIFIED_AFTER_SIGNING');
  expect(s.modificationLevel).toBe('OTHER');
  return s;
}

/** Runs the analysis directly, for changes that also hide the signature from discovery in the last revision. */
export async function analyse(
  signed: Uint8Array,
  updated: Uint8Array,
  name = 'Signature1',
): Promise<ChangeAnalysis> {
  const full = await PdfReader.open(bufferSource(updated));
  const base = await PdfReader.open(bufferSource(signed));
  const field = (await base.fields()).find((f) => f.name === name);
  const dict = await base.resolveDict(field?.dict.get('V'));
  if (!dict) throw new Error(`no signature ${name}`);
  return analyseChanges(full, signed.length, { fieldName: name, dict }, [signed.length, updated.length]);
}

export async function editCatalog(e: Edit, fn: (cat: PdfDict) => void | Promise<void>): Promise<void> {
  const root = e.r.trailer.get('Root') as PdfRef;
  const cat = await e.dict(root);
  await fn(cat);
  e.set(root.num, cat);
}

export async function editDict(
  e: Edit,
  num: number,
  fn: (d: PdfDict) => void | Promise<void>,
): Promise<void> {
  const d = await e.dict(num);
  await fn(d);
  e.set(num, d);
}

/** Adds `item` to the end of a direct array entry `key` of object `num` (page /Annots, AcroForm /Fields). */
export async function append(e: Edit, num: number, key: string, item: PdfValue): Promise<void> {
  await editDict(e, num, async (d) => {
    const arr = await e.r.resolve(d.get(key));
    d.set(key, [...(Array.isArray(arr) ? arr : []), item]);
  });
}

export async function firstPage(e: Edit): Promise<PdfRef> {
  return (await e.r.pageRefs())[0]!;
}

/** A new field with merged widget, added to /Fields and page 1 /Annots. */
export async function addFieldWidget(
  e: Edit,
  acroForm: number,
  entries: [string, PdfValue][],
): Promise<PdfRef> {
  const page = await firstPage(e);
  const ref = e.add(
    new PdfDict([['Type', n('Annot')], ['Subtype', n('Widget')], ['F', 4], ['P', page], ...entries]),
  );
  await append(e, acroForm, 'Fields', ref);
  await append(e, page.num, 'Annots', ref);
  return ref;
}

/** An opaque white box the size of a text line: what a hide attack lays over signed content. */
export function whiteBox(e: Edit): PdfRef {
  return e.stream({ Type: n('XObject'), Subtype: n('Form'), BBox: [0, 0, 300, 40] }, '1 g 0 0 300 40 re f');
}

export { text };
