import { createHash } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import { envelopeToEdxml } from '../../../edxml/lienthong';
import { writeEdxml } from '../../../edxml/write';
import { evidenceEntries, type EvidenceSources } from '../../../evidence/assemble';
import { chainSegment, verifyChainSegment, type AuditChainSegment } from '../../../evidence/audit-chain';
import {
  STATUSES_NAME,
  UnusableBundleError,
  openBundle,
  zipBundle,
  CHAIN_NAME,
} from '../../../evidence/bundle';
import { MANIFEST_NAME, SIGNATURE_NAME, buildManifest, parseManifest } from '../../../evidence/manifest';
import { signDetached } from '../../../evidence/signature';
import { verifyBundle, type VerifyBundleOptions } from '../../../evidence/verify';
import type { PdfVerificationReport } from '../../../pdf';
import type { AuditEvent } from '../../../schemas/audit';
import { ENVELOPE_VERSION, STATUS_VERSION, type Envelope } from '../../../schemas/edxml';
import { GENESIS_HASH, hashAuditEvent } from '../../../store/audit-store';
import { createKeySigner, generateKeyPair } from '../../../pki';
import { stampDigest } from '../../../pki/tsa/authority';
import { LIENTHONG_TSA_POLICY_OID, issueTsaCertificate } from '../../../pki/tsa/profile';
import { OpensslDir } from '../pki/openssl';
import { createTestPki, type TestPki } from '../../helpers/test-pki';

const SENDER = { code: '000.01.01.H29', name: 'Ủy ban nhân dân xã Tân Phú' };
const RECIPIENT = { code: '000.00.00.H29', name: 'Ủy ban nhân dân tỉnh Hòa An' };
const PDF = new TextEncoder().encode('%PDF-1.7\n% a stand-in for a signed PDF\n%%EOF\n');
const PDF_SHA = createHash('sha256').update(PDF).digest('hex');

/**
 * PDF verification is pdf/'s own (tested there); here a stand-in that accepts exactly the bytes that were "signed",
 * so a changed PDF byte still fails the way a broken PAdES signature does.
 */
let pdfCheckedAt: Date | undefined;
const verifyPdf: VerifyBundleOptions['verifyPdf'] = async (input, options) => {
  pdfCheckedAt = options.at;
  const ok =
    createHash('sha256')
      .update(input as Uint8Array)
      .digest('hex') === PDF_SHA;
  const sig = {
    valid: ok,
    fieldName: 'organisation',
    indication: ok ? 'TOTAL_PASSED' : 'TOTAL_FAILED',
    messages: ok ? [] : ['digest mismatch'],
  };
  return { valid: ok, indication: sig.indication, signatures: [sig] } as unknown as PdfVerificationReport;
};

const envelope: Envelope = {
  version: ENVELOPE_VERSION,
  messageId: 'doc-1',
  from: SENDER,
  to: [RECIPIENT],
  documentId: '000.01.01.H29,2026/02/27,12/QĐ-UBND',
  code: { number: 12, notation: 'QĐ-UBND' },
  promulgationInfo: { place: 'Tân Phú', date: '2026-02-27' },
  documentType: { code: 'QD', name: 'Quyết định' },
  subject: 'Quyết định về việc tổ chức hội nghị',
  signerInfo: { competence: 'TM. ỦY BAN NHÂN DÂN', position: 'CHỦ TỊCH', fullName: 'Nguyễn Văn An' },
  priority: 1,
  attachments: [
    {
      name: 'Quyết định.pdf',
      contentType: 'application/pdf',
      sha256: PDF_SHA,
      size: PDF.length,
      ref: `b/${PDF_SHA}`,
    },
  ],
  businessDocType: 0,
  sentAt: '2026-02-27T03:00:00.000Z',
  attempt: 1,
};

/** A chain of the sender: the document's events interleaved with another document's. */
function chain(): AuditEvent[] {
  const raw: Array<Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>> = [
    {
      id: 'other#1',
      time: '2026-02-27T01:00:00.000Z',
      agency: SENDER.code,
      actor: 'x',
      type: 'document.created',
      documentId: 'other',
      details: {},
    },
    {
      id: 'doc#1',
      time: '2026-02-27T02:00:00.000Z',
      agency: SENDER.code,
      actor: 'clerk',
      type: 'document.dispatched',
      documentId: 'doc-1',
      details: { recipient: RECIPIENT.code },
    },
    {
      id: 'other#2',
      time: '2026-02-27T02:30:00.000Z',
      agency: SENDER.code,
      actor: 'x',
      type: 'document.submitted',
      documentId: 'other',
      details: { secret: 'not for the bundle' },
    },
    {
      id: 'doc#2',
      time: '2026-02-27T03:00:01.000Z',
      agency: SENDER.code,
      actor: 'clerk.p',
      type: 'document.status_received',
      documentId: 'doc-1',
      details: { recipient: RECIPIENT.code, statusCode: '01' },
    },
    {
      id: 'doc#3',
      time: '2026-02-27T04:00:00.000Z',
      agency: SENDER.code,
      actor: 'clerk.p',
      type: 'document.status_received',
      documentId: 'doc-1',
      details: { recipient: RECIPIENT.code, statusCode: '03', at: '2026-02-27T03:59:58.000Z' },
    },
    {
      id: 'other#3',
      time: '2026-02-27T05:00:00.000Z',
      agency: SENDER.code,
      actor: 'x',
      type: 'document.approved',
      documentId: 'other',
      details: {},
    },
  ];
  let prevHash = GENESIS_HASH;
  return raw.map((e, i) => {
    const body = { ...e, seq: i + 1, prevHash };
    const hash = hashAuditEvent(body);
    prevHash = hash;
    return { ...body, hash };
  });
}

function sources(pki: TestPki): EvidenceSources {
  const events = chain();
  const docEvents = events.filter((e) => e.documentId === 'doc-1');
  return {
    documentId: 'doc-1',
    edxmlDocumentId: envelope.documentId,
    subject: envelope.subject,
    side: 'sender',
    agency: SENDER.code,
    generatedAt: '2026-03-01T00:00:00.000Z',
    generatedBy: 'clerk.000.01.01.h29',
    signedBy: RECIPIENT.code,
    documents: [{ fileName: 'Quyết định.pdf', bytes: PDF }],
    envelopeXml: writeEdxml(envelopeToEdxml(envelope)),
    statuses: docEvents
      .filter((e) => e.type === 'document.status_received')
      .map((event) => ({
        event,
        status: {
          version: STATUS_VERSION,
          messageId: 'doc-1',
          edxmlDocumentId: envelope.documentId,
          from: RECIPIENT,
          to: SENDER.code,
          statusCode: (event.details as { statusCode: '01' | '03' }).statusCode,
          staff: event.actor,
          at: (event.details as { at?: string }).at ?? event.time,
        },
      })),
    verificationReports: [
      {
        agency: RECIPIENT.code,
        report: { ok: true, hashMatches: true, checkedAt: '2026-02-27T03:00:00.500Z' },
      },
    ],
    chain: chainSegment(SENDER.code, 'doc-1', events.slice(1)),
    validation: [
      { name: 'validation/issuing.crl', mimeType: 'application/pkix-crl', bytes: pki.crl },
      { name: 'validation/root.crl', mimeType: 'application/pkix-crl', bytes: pki.rootCrl },
    ],
  };
}

async function bundle(pki: TestPki, timestamp?: Parameters<typeof signDetached>[2]): Promise<Uint8Array> {
  const entries = evidenceEntries(sources(pki));
  const manifest = buildManifest(entries);
  return zipBundle(
    entries,
    manifest,
    await signDetached(manifest, pki.organisation.signer, timestamp),
    pki.at,
  );
}

/** A TSA under the test PKI's issuing CA, stamping at `now`. */
async function testTsa(pki: TestPki, now: Date): Promise<Parameters<typeof signDetached>[2]> {
  const keys = await generateKeyPair('rsa2048');
  const cert = issueTsaCertificate({
    commonName: 'Dịch vụ cấp dấu thời gian tỉnh Hòa An',
    organisation: 'Ủy ban nhân dân tỉnh Hòa An',
    subjectPublicKey: keys.publicKey,
    issuer: { certificate: pki.issuing.certificate, privateKey: pki.issuing.privateKey },
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2035-01-01T00:00:00Z'),
  }).certificate;
  const chain = [cert, pki.issuing.certificate];
  return (digest, hash) =>
    stampDigest(digest, hash, {
      credentials: { signer: createKeySigner(keys.privateKey, chain), chain },
      policy: { policy: LIENTHONG_TSA_POLICY_OID, accuracy: { seconds: 1 } },
      now,
      allocateSerial: async () => Uint8Array.of(0x10, 1),
    });
}

/** The bundle with one entry changed and zipped again as the ASiC layout wants (mimetype first, stored). */
function tampered(zip: Uint8Array, name: string, change: (b: Uint8Array) => Uint8Array): Uint8Array {
  const { files } = openBundle(zip);
  const out: Zippable = { mimetype: [files.get('mimetype')!, { level: 0 }] };
  for (const [n, b] of files) if (n !== 'mimetype') out[n] = n === name ? change(b) : b;
  return zipSync(out);
}
const editJson =
  <T>(edit: (v: T) => void) =>
  (b: Uint8Array) => {
    const v = JSON.parse(Buffer.from(b).toString('utf8')) as T;
    edit(v);
    return new TextEncoder().encode(JSON.stringify(v, null, 2));
  };

let pki: TestPki;
let valid: Uint8Array;
let opts: VerifyBundleOptions;
beforeAll(async () => {
  pki = await createTestPki();
  valid = await bundle(pki);
  opts = { anchors: pki.anchors, at: pki.at, verifyPdf };
});

describe('evidence bundle', () => {
  it('is an ASiC-E container whose every entry the signed manifest lists, and verifies', async () => {
    const { files, mimetypeFirstStored } = openBundle(valid);
    expect(mimetypeFirstStored).toBe(true);
    expect(Buffer.from(files.get('mimetype')!).toString()).toBe('application/vnd.etsi.asic-e+zip');
    const listed = parseManifest(files.get(MANIFEST_NAME)!).references.map((r) => r.uri);
    expect(new Set(listed)).toEqual(
      new Set([...files.keys()].filter((n) => !['mimetype', MANIFEST_NAME, SIGNATURE_NAME].includes(n))),
    );
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        'envelope.edxml',
        'documents/01-Quyet-dinh.pdf',
        'statuses/01-01-000.00.00.H29.edxml',
      ]),
    );
    // Other documents' events are links only: their content stays out of the bundle.
    expect(Buffer.from(files.get(CHAIN_NAME)!).toString()).not.toContain('not for the bundle');

    const report = await verifyBundle(valid, opts);
    expect(report.problems).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.signature?.signer).toContain('CN=');
    expect(report.audit).toMatchObject({ ok: true, events: 3, links: 5 });
    expect(report.statuses.map((s) => s.statusCode)).toEqual(['01', '03']);
    expect(report.documents).toEqual([
      { entry: 'documents/01-Quyet-dinh.pdf', valid: true, signatures: 1, indication: 'TOTAL_PASSED' },
    ]);
    expect(report.envelope?.subject).toBe('Quyết định về việc tổ chức hội nghị');
    expect(report.index?.subject).toBe('Quyết định về việc tổ chức hội nghị');
  });

  it('verifies with openssl cms (detached, DER) against the root', () => {
    const { files } = openBundle(valid);
    const dir = new OpensslDir();
    try {
      const args = [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        dir.der('s.p7s', files.get(SIGNATURE_NAME)!),
      ];
      args.push(
        '-content',
        dir.der('m.xml', files.get(MANIFEST_NAME)!),
        '-CAfile',
        dir.pem('root.pem', pki.root.certificate),
      );
      args.push(
        '-purpose',
        'any',
        '-attime',
        String(Math.floor(pki.at.getTime() / 1000)),
        '-out',
        '/dev/null',
      );
      expect(dir.status(args).code).toBe(0);
      const changed = new Uint8Array(files.get(MANIFEST_NAME)!);
      changed[changed.length - 3] ^= 1;
      args[args.indexOf('-content') + 1] = dir.der('m2.xml', changed);
      expect(dir.status(args).code).not.toBe(0);
    } finally {
      dir.cleanup();
    }
  });

  const problemsOf = async (zip: Uint8Array) => {
    const r = await verifyBundle(zip, opts);
    expect(r.valid).toBe(false);
    return r.problems.map((p) => p.entry);
  };

  it('names the PDF when one of its bytes changed', async () => {
    const zip = tampered(valid, 'documents/01-Quyet-dinh.pdf', (b) => {
      const c = new Uint8Array(b);
      c[12] ^= 0x20;
      return c;
    });
    expect(await problemsOf(zip)).toContain('documents/01-Quyet-dinh.pdf');
  });

  it('names the statuses when a status time changed', async () => {
    const zip = tampered(
      valid,
      STATUSES_NAME,
      editJson((v: Array<{ at: string }>) => (v[1]!.at = '2026-02-27T03:59:00.000Z')),
    );
    expect(await problemsOf(zip)).toEqual(expect.arrayContaining([STATUSES_NAME]));
    // Beyond the manifest digest: the time is no longer the one the hash-chained audit event recorded.
    const r = await verifyBundle(zip, opts);
    expect(r.problems.map((p) => p.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/03 at 2026-02-27T03:59:00.000Z differs from audit event doc#3/),
      ]),
    );
  });

  it('names a status message whose edXML Timestamp changed', async () => {
    const name = 'statuses/01-01-000.00.00.H29.edxml';
    const zip = tampered(valid, name, (b) =>
      new TextEncoder().encode(
        Buffer.from(b).toString().replace('2026-02-27T03:00:01', '2026-02-27T02:00:01'),
      ),
    );
    const r = await verifyBundle(zip, opts);
    expect(r.problems).toEqual([
      { entry: name, message: 'SHA-256 does not match the manifest (the entry was changed)' },
      { entry: name, message: 'Timestamp 2026-02-27T02:00:01.000Z is not 2026-02-27T03:00:01.000Z' },
    ]);
  });

  it('names the audit chain when an event changed, even with its hash recomputed', async () => {
    const edit = editJson((v: AuditChainSegment) => {
      const link = v.links.find((l) => l.event?.id === 'doc#3')!;
      link.event!.time = '2026-02-27T03:10:00.000Z';
      link.hash = hashAuditEvent({ ...link.event!, seq: link.seq, prevHash: link.prevHash });
    });
    const problems = await problemsOf(tampered(valid, CHAIN_NAME, edit));
    expect(problems).toContain(CHAIN_NAME);
    const { files } = openBundle(valid);
    expect(
      verifyChainSegment(JSON.parse(Buffer.from(edit(files.get(CHAIN_NAME)!)).toString())).problems,
    ).toEqual(['seq 6: prevHash is not the hash of seq 5']);
  });

  it('names the manifest when it changed', async () => {
    const zip = tampered(valid, MANIFEST_NAME, (b) =>
      new TextEncoder().encode(
        Buffer.from(b).toString().replace('MimeType="application/pdf"', 'MimeType="application/x-pdf"'),
      ),
    );
    expect(await problemsOf(zip)).toEqual([MANIFEST_NAME]);
  });

  it('names the signature when it does not chain to the given root', async () => {
    const other = await createTestPki();
    const r = await verifyBundle(valid, { ...opts, anchors: other.anchors });
    expect(r.problems.map((p) => p.entry)).toEqual([SIGNATURE_NAME]);
  });

  it('names an entry the manifest does not cover', async () => {
    const { files } = openBundle(valid);
    const out: Zippable = { mimetype: [files.get('mimetype')!, { level: 0 }] };
    for (const [n, b] of files) if (n !== 'mimetype') out[n] = b;
    out['extra.txt'] = new TextEncoder().encode('added later');
    expect(await problemsOf(zipSync(out))).toEqual(['extra.txt']);
  });

  it('still verifies years later when time-stamped: the signer is judged at the time-stamp with the bundled CRLs', async () => {
    const later = new Date('2031-06-01T00:00:00Z'); // long after the bundled CRLs' nextUpdate
    const stamped = await bundle(pki, await testTsa(pki, pki.at));
    const r = await verifyBundle(stamped, { ...opts, at: later });
    expect(r.problems).toEqual([]);
    expect(r.signature?.timestampedAt).toBe(pki.at.toISOString());
    expect(r.signature?.timestamp?.tsa).toContain('Dịch vụ cấp dấu thời gian');
    // The PDFs too are judged when the time-stamped manifest fixed their hashes.
    expect(pdfCheckedAt).toEqual(pki.at);
    // Without a time-stamp nothing dates the signature: the CRLs of then do not cover 2031.
    const plain = await verifyBundle(valid, { ...opts, at: later });
    expect(plain.problems.map((p) => p.entry)).toEqual([SIGNATURE_NAME]);
  });

  it('refuses input that is not a ZIP as unusable', async () => {
    await expect(verifyBundle(new TextEncoder().encode('not a zip'), opts)).rejects.toBeInstanceOf(
      UnusableBundleError,
    );
  });
});
