import { existsSync } from 'node:fs';
import {
  type AxisVerdict,
  agrees,
  corpusFile,
  formatExpected,
  formatVerdict,
  lienthongVerdict,
  loadCorpus,
  pdfsigVerdict,
  qpdfReads,
} from '../helpers/pdf-corpus';

/**
 * Regression corpus of real signed PDFs made by other tools (issue 11, "How it is verified"): lienthong's integrity
 * and modification verdicts, trust aside, must match what the producing tool's or a reference validator's own tests
 * assert (tests/conformance/pdf-corpus/MANIFEST.json and README.md).
 *
 * Files that disagree today are listed below with the cause seen. The lists are exact: a listed file that now
 * agrees fails too, so they only shrink. Never change an expectation in the manifest to make a file pass.
 */
const KNOWN_DISAGREEMENTS: Record<string, string> = {
  'dss-pdf-removed-pages.pdf':
    'CMS parser refuses "data after DER value" in /Contents (FORMAT_FAILURE) where DSS verifies the signature; the removed pages must then be reported as a forbidden change',
  'dss-pkcs7_sha1.pdf':
    'adbe.pkcs7.sha1 SubFilter unsupported (FORMAT_FAILURE) and SHA-1 refused by policy on the second signature; DSS verifies both',
  'dss-dss-2236-hide.pdf':
    'shadow attack (hide): "signed range does not end at a readable revision" (FORMAT_FAILURE) where DSS reads the signed revision, finds the signature intact and the change undefined (forbidden)',
  'dss-pades-signed-annot-added.pdf':
    'XMP /Metadata update and catalog /Names change refused (MODIFIED_AFTER_SIGNING); DSS allows the added annotation',
  'dss-pades-signed-filled-form.pdf':
    'refused as MALFORMED_PDF "object 441 refers to itself" (AcroForm children in one object stream resolved in parallel, issue 11 first bug)',
  'dss-DSS-1683.pdf':
    'SHA-1 signature: the crypto policy (no proof of existence before 2010) answers INDETERMINATE before the broken digest is reported; DSS reports the digest not intact',
  'dss-dss-PLAIN-ECDSA-TeleSec_PKS_eIDAS_QES_CA_1-baseline-b.pdf':
    'CMS refused for a duplicate signed attribute (1.3.6.1.4.1.22883.1); DSS verifies the plain-ECDSA signature as intact',
  'dss-DSS-2155.pdf':
    'CMS parser refuses "data after DER value" in /Contents (FORMAT_FAILURE); DSS verifies this Microsoft Word PKCS #7 signature',
  'dss-DSS-3577.pdf':
    'XMP /Metadata update and form filling under a FieldMDP lock refused (MODIFIED_AFTER_SIGNING); DSS allows them',
  'dss-Signature-P-DE_SCI-4.pdf':
    'page /Resources change in the time-stamp revision refused (MODIFIED_AFTER_SIGNING); document time-stamp not verified',
  'dss-DSS-2199.pdf':
    'XMP /Metadata update refused (MODIFIED_AFTER_SIGNING); document time-stamp not verified',
  'dss-pades-ocsp-sign-cert.pdf':
    'catalog rewritten as a new object ("trailer /Root points to another catalog") refused; document time-stamp not verified',
  'dss-encrypted.pdf': 'refused as ENCRYPTED_PDF; DSS verifies the signature of this encrypted file',
  'dss-pades-5-signatures-and-1-document-timestamp.pdf':
    'refused as XREF_BROKEN "no xref stream at 0" (a /Prev 0 style oddity) on a file poppler reads',
  'pyhanko-coverage-anomalies-tail-uncovered.pdf':
    'ByteRange anomaly reported as broken integrity (FORMAT_FAILURE); pyHanko finds the signature intact and the coverage non-standard (not acceptable)',
  'pyhanko-coverage-anomalies-signature-gap-too-big.pdf':
    'ByteRange anomaly reported as broken integrity (FORMAT_FAILURE); pyHanko: intact, coverage UNCLEAR',
  'pyhanko-coverage-anomalies-one-byterange.pdf':
    'ByteRange anomaly reported as broken integrity (FORMAT_FAILURE); pyHanko: intact, coverage UNCLEAR',
  'pyhanko-coverage-anomalies-weird-byterange.pdf':
    'ByteRange anomaly reported as broken integrity (FORMAT_FAILURE); pyHanko: intact, coverage UNCLEAR',
  'pyhanko-ed448-disallowed-hash.pdf':
    'Ed448 with a digest it does not allow reported as SIG_CRYPTO_FAILURE (forged); pyHanko: CRYPTO_CONSTRAINTS_FAILURE (indeterminate)',
  'pyhanko-form-update-override-appearance-stream-sneaky.pdf':
    "forbidden change accepted: a later revision redefines the appearance stream a filled field of the signed revision draws (pyHanko refuses it); the appearance rule does not yet tell a field's own new appearance from an override of a shared one",
  'pyhanko-form-update-override-appearance-stream-ap-indirect-sneaky.pdf':
    'forbidden change accepted: as the -sneaky file, with /AP held in an indirect dictionary',
  'pyhanko-form-update-no-override-appearance-stream-ap-indirect-sneaky.pdf':
    'MISSED forbidden change: an appearance dictionary shared with another field (.FooBar) is overwritten and accepted',
  'pyhanko-form-update-ap-indirect-sneaky-trailer.pdf':
    'MISSED forbidden change: shared appearance overwritten through the trailer and accepted',
  'pyhanko-separate-annots-kids-indir.pdf':
    'signature widget added as a separate /Kids annotation refused ("an entry that is not a signature field or widget was added")',
  'pyhanko-extensions-update-indirect.pdf':
    'catalog /Version and indirect /Extensions update refused; pyHanko allows it',
  'itext-removeAllAnnots.pdf':
    'removal of page annotations refused; iText allows it without certification (annotation changes permitted)',
  'itext-removeFieldAnnots.pdf':
    'removal of field widget annotations refused; iText allows it without certification',
  'itext-taggedDocAddAndRemoveAnnotations.pdf':
    'structure tree update and annotation removal refused; iText allows them',
  'itext-annotationModificationAllowedTabsChangesTest.pdf': 'page /Tabs change refused; iText allows it',
  'itext-annotationModificationNotAllowedTabsSetToDefaultTest.pdf':
    'page /Tabs set to its default value refused; iText allows it',
  'itext-taggedDocModifyAnnotation.pdf': 'annotation and structure tree update refused; iText allows it',
  'itext-taggedDocModifyAnnotationAndStructContent.pdf':
    'annotation and /StructElem content update refused; iText allows it',
  'itext-sample-nistp256-sha3_256.pdf': 'SHA3-256 digest unsupported, so indeterminate; iText verifies it',
  'itext-sample-brainpoolP384r1-sha3_384.pdf':
    'SHA3-384 digest unsupported, so indeterminate; iText verifies it',
  'itext-sample-rsa-sha3_256.pdf': 'SHA3-256 digest unsupported, so indeterminate; iText verifies it',
  'itext-sample-pss-sha3_256.pdf':
    'RSASSA-PSS with SHA3-256: digest unsupported, so indeterminate; iText verifies it',
};

/**
 * Files that the verifier refuses as unreadable (PdfError) although pdfsig or qpdf read them. Each is also in
 * KNOWN_DISAGREEMENTS.
 */
const KNOWN_REFUSALS: Record<string, string> = {
  'dss-encrypted.pdf': 'ENCRYPTED_PDF; qpdf and pdfsig open it (empty user password)',
};

const corpus = loadCorpus();
const verdicts = new Map<string, AxisVerdict>();

beforeAll(async () => {
  for (const entry of corpus.files) verdicts.set(entry.file, await lienthongVerdict(corpusFile(entry)));
}, 120_000);

describe('PDF corpus of other tools', () => {
  it('has at least 50 files, each present, named once', () => {
    expect(corpus.files.length).toBeGreaterThanOrEqual(50);
    const names = corpus.files.map((e) => e.file);
    expect(new Set(names).size).toBe(names.length);
    expect(corpus.files.filter((e) => !existsSync(corpusFile(e))).map((e) => e.file)).toEqual([]);
  });

  it('lists only corpus files as known disagreements and refusals', () => {
    const names = new Set(corpus.files.map((e) => e.file));
    expect(Object.keys(KNOWN_DISAGREEMENTS).filter((f) => !names.has(f))).toEqual([]);
    expect(Object.keys(KNOWN_REFUSALS).filter((f) => !(f in KNOWN_DISAGREEMENTS))).toEqual([]);
  });

  it('lists exactly the files that disagree today (remove those that now agree, explain new ones)', () => {
    const disagreeing = corpus.files
      .filter((e) => !agrees(e.expected, verdicts.get(e.file)!))
      .map((e) => e.file);
    const listed = Object.keys(KNOWN_DISAGREEMENTS);
    expect({
      nowAgree: listed.filter((f) => !disagreeing.includes(f)),
      newlyDisagree: disagreeing.filter((f) => !(f in KNOWN_DISAGREEMENTS)),
    }).toEqual({ nowAgree: [], newlyDisagree: [] });
  });

  it.each(corpus.files.map((e) => [e.file, e] as const))(
    'agrees with the reference validator on %s (or the disagreement is listed)',
    (file, entry) => {
      const got = verdicts.get(file)!;
      const line = `expected ${formatExpected(entry.expected)} (${entry.expectedFrom}), lienthong ${formatVerdict(got)}: ${got.detail}`;
      if (file in KNOWN_DISAGREEMENTS)
        expect({ file, agrees: agrees(entry.expected, got), line }).toEqual({ file, agrees: false, line });
      else expect({ file, agrees: agrees(entry.expected, got), line }).toEqual({ file, agrees: true, line });
    },
  );

  it('reads pdfsig verdicts on the same axes (a valid file, a digest mismatch, unsigned fields skipped)', async () => {
    const byName = (f: string) => corpusFile(corpus.files.find((e) => e.file === f)!);
    const verdict = async (f: string) => formatVerdict(await pdfsigVerdict(byName(f)));
    expect(await verdict('dss-pdf-signed-original.pdf')).toBe('valid/none');
    expect(await verdict('dss-hello_signed_INCSAVE_signed_EDITED.pdf')).toBe('invalid/allowed');
    expect(await verdict('dss-pades-signed-annot-added.pdf')).toBe('valid/allowed');
  });

  it('never crashes, and refuses no file that pdfsig or qpdf can read', async () => {
    const crashes: string[] = [];
    const refusals: string[] = [];
    for (const entry of corpus.files) {
      const got = verdicts.get(entry.file)!;
      if (got.error === undefined || got.error === 'no signature found') continue;
      if (got.error.startsWith('crash ')) crashes.push(`${entry.file}: ${got.error}`);
      const file = corpusFile(entry);
      const ps = await pdfsigVerdict(file);
      if (ps.error === undefined || (await qpdfReads(file))) refusals.push(entry.file);
    }
    expect(crashes).toEqual([]);
    expect(refusals.sort()).toEqual(Object.keys(KNOWN_REFUSALS).sort());
  }, 120_000);
});
