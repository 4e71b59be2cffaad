import { PdfDict, type PdfValue } from '../../../pdf/core/objects';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { editCatalog, expectAllowed, expectRefused, n, signFirst } from './support/change-fixture';
import { makeFormPdf } from './support/form-pdf';
import { type Edit, appendRevision } from './support/revisions';

jest.setTimeout(120_000);

const KEY = 'A'.repeat(40);
let pki: TestPki;
/** Signed, then extended with a /DSS whose /VRI has one entry for the signature. */
let extended: Uint8Array;

/** Writes a new /DSS (a new object, as DSS does when it extends a signature again) with `vri` entries. */
const writeDss = (e: Edit, vri: [string, PdfValue][]) => {
  const cert = e.stream({}, 'not-really-a-certificate');
  const crl = e.stream({}, 'not-really-a-crl');
  const entries = vri.map(([k, v]): [string, PdfValue] => [
    k,
    v ??
      new PdfDict([
        ['Cert', [cert]],
        ['CRL', [crl]],
      ]),
  ]);
  const dss = e.add(
    new PdfDict([
      ['Type', n('DSS')],
      ['Certs', [cert]],
      ['CRLs', [crl]],
      ['VRI', new PdfDict(entries)],
    ]),
  );
  return editCatalog(e, (cat) => void cat.set('DSS', dss));
};

beforeAll(async () => {
  pki = await createTestPki();
  const signed = await signFirst(pki, (await makeFormPdf()).bytes);
  extended = await appendRevision(signed, (e) => writeDss(e, [[KEY, null]]));
});

describe('change analysis: /VRI entries of a /DSS extended again', () => {
  it('allows an earlier /VRI entry rewritten with validation data only (DSS_VRI_REWRITTEN)', async () => {
    const doc = await appendRevision(extended, (e) => writeDss(e, [[KEY, null]]));
    const s = await expectAllowed(pki, doc, 'DSS_VRI_REWRITTEN');
    expect(s.modificationLevel).toBe('LTA_UPDATES');
  });

  it('refuses an earlier /VRI entry removed (DSS_MALFORMED)', async () => {
    const doc = await appendRevision(extended, (e) => writeDss(e, [['B'.repeat(40), null]]));
    await expectRefused(pki, doc, 'DSS_MALFORMED');
  });

  it('refuses an earlier /VRI entry rewritten with a key that is not validation data (DSS_MALFORMED)', async () => {
    const doc = await appendRevision(extended, (e) =>
      writeDss(e, [[KEY, new PdfDict([['OpenAction', n('Fit')]])]]),
    );
    await expectRefused(pki, doc, 'DSS_MALFORMED');
  });
});
