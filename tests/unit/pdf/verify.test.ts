import { type PdfVerificationReport, signPdf, verifyPdf } from '../../../pdf';
import { createRootCa } from '../../../pki';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { appendUpdate, makePdf } from './support/corpus';
import { signWithPdfsig } from './support/pdfsig-signer';
import { signTwice } from './support/signing';

jest.setTimeout(120_000);

let pki: TestPki;
let two: Uint8Array;
let one: Uint8Array;

beforeAll(async () => {
  pki = await createTestPki();
  ({ one, two } = await signTwice(pki, await makePdf()));
});

const verify = (bytes: Uint8Array, extra: Partial<Parameters<typeof verifyPdf>[1]> = {}) =>
  verifyPdf(bytes, { anchors: pki.anchors, crls: [pki.crl, pki.rootCrl], at: pki.at, ...extra });

const subs = (r: PdfVerificationReport) => r.signatures.map((s) => s.subIndication);

describe('verifyPdf', () => {
  it('passes a document with a personal then an organisation signature, with CRLs required', async () => {
    const r = await verify(two, { decree30: { issuingAgency: 'Ủy ban nhân dân xã Tân Phú' } });
    expect(r.valid).toBe(true);
    expect(r.indication).toBe('TOTAL_PASSED');
    expect(r.revisions).toBe(3);
    const [p, o] = r.signatures;
    expect(p).toMatchObject({
      valid: true,
      role: 'personal',
      serial: expect.stringMatching(
        new RegExp(`^0*${pki.personal.serialHex.toLowerCase().replace(/^0+/, '')}$`),
      ),
      signingTime: '2026-02-10T02:15:00.000Z',
      coversWholeDocument: false,
      coveredRevision: 2,
      subFilter: 'ETSI.CAdES.detached',
    });
    expect(p!.signer).toContain('CN=Nguyễn Văn An');
    expect(p!.changesAfterSigning.every((c) => c.allowed)).toBe(true);
    expect(p!.changesAfterSigning.map((c) => c.rule)).toContain('SIGNATURE_FIELD_ADDED');
    expect(p!.modificationLevel).toBe('FORM_FILLING');
    expect(o).toMatchObject({
      valid: true,
      role: 'organisation',
      coversWholeDocument: true,
      coveredRevision: 3,
    });
    expect(r.decree30).toMatchObject({ valid: true, personalBeforeOrganisation: true, agencyMatches: true });
  });

  it('fails the Decree 30 layout for another agency or a missing organisation signature', async () => {
    const other = await verify(two, { decree30: { issuingAgency: 'Sở Tư pháp' } });
    expect(other.valid).toBe(false);
    expect(other.decree30?.agencyMatches).toBe(false);
    const onlyPersonal = await verify(one, { decree30: {} });
    expect(onlyPersonal.decree30).toMatchObject({ valid: false, organisationPresent: false });
  });

  it('reports HASH_FAILURE when a byte inside a signed range changes', async () => {
    const bad = Buffer.from(two);
    // Inside the binary comment of the header: the structure stays readable, the hash does not.
    bad[12] ^= 0x01;
    const r = await verify(bad);
    expect(r.indication).toBe('TOTAL_FAILED');
    expect(subs(r)).toEqual(['HASH_FAILURE', 'HASH_FAILURE']);
  });

  it('reports MODIFIED_AFTER_SIGNING for an unsigned update that changes page content', async () => {
    const r = await verify(await appendUpdate(two, { changeContent: true }));
    expect(subs(r)).toEqual(['MODIFIED_AFTER_SIGNING', 'MODIFIED_AFTER_SIGNING']);
    expect(r.signatures[1]!.coversWholeDocument).toBe(false);
  });

  it('allows a later metadata-only update but says the signature no longer covers the whole document', async () => {
    const r = await verify(await appendUpdate(two));
    expect(r.indication).toBe('TOTAL_PASSED');
    expect(r.signatures[1]!.coversWholeDocument).toBe(false);
    expect(r.signatures[1]!.changesAfterSigning.map((c) => c.rule)).toContain('INFO_UPDATE');
  });

  it('rejects a document signed with a revoked certificate', async () => {
    const revoked = await createTestPki({ revoke: ['personal'] });
    const { two: doc } = await signTwice(revoked, await makePdf());
    const r = await verifyPdf(doc, {
      anchors: revoked.anchors,
      crls: [revoked.crl, revoked.rootCrl],
      at: revoked.at,
    });
    expect(r.indication).toBe('TOTAL_FAILED');
    expect(subs(r)).toEqual(['REVOKED', undefined]);
  });

  it('is INDETERMINATE without a chain to the anchors, or without CRLs when revocation is required', async () => {
    const other = await createRootCa({
      subject: [{ type: 'CN', value: 'Another Root' }],
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2035-01-01T00:00:00Z'),
      keyAlgorithm: 'rsa2048',
    });
    const r1 = await verify(two, { anchors: [other.certificate] });
    expect(r1.indication).toBe('INDETERMINATE');
    expect(subs(r1)).toEqual(['NO_CERTIFICATE_CHAIN_FOUND', 'NO_CERTIFICATE_CHAIN_FOUND']);
    // Same anchor name, different key: the chain's signatures do not verify.
    const sameNames = await createTestPki();
    const r1b = await verify(two, { anchors: sameNames.anchors });
    expect(r1b.indication).toBe('INDETERMINATE');
    const r2 = await verify(two, { crls: [] });
    expect(subs(r2)).toEqual(['TRY_LATER', 'TRY_LATER']);
    const r3 = await verify(two, { crls: [], revocation: 'none' });
    expect(r3.valid).toBe(true);
  });

  it('reports NOT_YET_VALID when the certificate was not yet valid at the claimed signing time', async () => {
    const doc = await signPdf(await makePdf(), {
      signer: pki.organisation.signer,
      signingTime: new Date('2024-06-01T00:00:00Z'),
    });
    const r = await verify(doc);
    expect(r.indication).toBe('TOTAL_FAILED');
    expect(subs(r)).toEqual(['NOT_YET_VALID']);
  });

  it('is INDETERMINATE OUT_OF_BOUNDS_NO_POE when the certificate expired after signing', async () => {
    const r = await verify(two, { at: new Date('2036-01-01T00:00:00Z'), revocation: 'none' });
    expect(r.indication).toBe('INDETERMINATE');
    expect(subs(r)).toEqual(['OUT_OF_BOUNDS_NO_POE', 'OUT_OF_BOUNDS_NO_POE']);
  });

  it('reports an unsigned document as not valid with no signatures', async () => {
    const r = await verify(await makePdf());
    expect(r).toMatchObject({ valid: false, indication: 'INDETERMINATE', signatures: [] });
  });

  it('verifies signatures made by pdfsig -add-signature, and catches a changed byte in them', async () => {
    // pdfsig signs with the wall clock, so this test validates at "now" without revocation data.
    const at = new Date(Date.now() + 60_000);
    const signed = signWithPdfsig(
      pki.personal,
      [pki.issuing.certificate, pki.root.certificate],
      await makePdf(),
    );
    const r = await verifyPdf(signed, { anchors: pki.anchors, at, revocation: 'none' });
    expect(r.signatures).toHaveLength(1);
    expect(r.signatures[0]).toMatchObject({
      valid: true,
      subFilter: 'adbe.pkcs7.detached',
      coversWholeDocument: true,
    });
    const bad = Buffer.from(signed);
    bad[100] ^= 0x01;
    const r2 = await verifyPdf(bad, { anchors: pki.anchors, at, revocation: 'none' });
    expect(subs(r2)).toEqual(['HASH_FAILURE']);
  });

  it('accepts our organisation signature on top of a pdfsig signature', async () => {
    const at = new Date(Date.now() + 60_000);
    const signed = signWithPdfsig(
      pki.personal,
      [pki.issuing.certificate, pki.root.certificate],
      await makePdf(),
    );
    const doc = await signPdf(signed, {
      signer: pki.organisation.signer,
      signingTime: new Date(Date.now() + 1000),
      appearance: { kind: 'text', documentNumber: 'Số: 15/QĐ-UBND' },
    });
    const r = await verifyPdf(doc, { anchors: pki.anchors, at, revocation: 'none' });
    expect(r.signatures.map((s) => s.valid)).toEqual([true, true]);
  });
});
