import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signPdf, verifyPdf } from '../../../pdf';
import { PdfReader } from '../../../pdf/core/document';
import { isPdfError } from '../../../pdf/core/errors';
import { PdfDict, PdfRef, PdfStream } from '../../../pdf/core/objects';
import { Parser } from '../../../pdf/core/parser';
import { serialize } from '../../../pdf/core/serialize';
import { bufferSource } from '../../../pdf/core/source';
import { findSignatures } from '../../../pdf/verify/find-signatures';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { makePdf } from './support/corpus';
import { type HandObject, type HandSpec, appendRevision, basicObjects, buildPdf } from './support/handmade';
import { PERSONAL_TIME } from './support/signing';
import { nssDbWithRoot, pdfsig, tempDir, tool } from './support/tools';

jest.setTimeout(120_000);

const dir = tempDir('lienthong-structure-');
let fileNo = 0;

/** Runs `qpdf --check`: 0 is clean, 3 is "read with warnings" (recovered), 2 is unreadable. */
function qpdfCheck(bytes: Uint8Array): { status: number | null; out: string } {
  const file = join(dir, `f${fileNo++}.pdf`);
  writeFileSync(file, bytes);
  const r = tool('qpdf', ['--check', file]);
  return { status: r.status, out: r.stdout + r.stderr };
}

async function open(bytes: Uint8Array, recover = false): Promise<PdfReader> {
  return PdfReader.open(bufferSource(bytes), { recover });
}

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (isPdfError(err)) return err.code;
    throw err;
  }
}

/** A form with a parent field whose two signature-less text children sit in one object stream. */
function formInObjectStream(): HandSpec {
  return {
    objects: basicObjects('/AcroForm 5 0 R'),
    objStms: [
      {
        num: 9,
        members: [
          { num: 5, body: '<</Fields[6 0 R]>>' },
          { num: 6, body: '<</T(parent)/FT/Tx/Kids[7 0 R 8 0 R]>>' },
          { num: 7, body: '<</T(a)/Parent 6 0 R/Subtype/Widget/Rect[0 0 10 10]>>' },
          { num: 8, body: '<</T(b)/Parent 6 0 R/Subtype/Widget/Rect[0 0 10 10]>>' },
        ],
      },
    ],
    root: 1,
  };
}

describe('object resolution', () => {
  it('resolves form field children that share one object stream, also in parallel', async () => {
    const pdf = buildPdf(formInObjectStream()).bytes;
    expect(qpdfCheck(pdf).status).toBe(0);
    const r = await open(pdf);
    const [a, b] = await Promise.all([r.getObject(7), r.getObject(8)]);
    expect(a).toBeInstanceOf(PdfDict);
    expect(b).toBeInstanceOf(PdfDict);
    const fields = await (await open(pdf)).fields();
    expect(fields.map((f) => f.name)).toEqual(['parent.a', 'parent.b']);
  });

  it('still refuses an object stream that is stored inside itself', async () => {
    const spec = formInObjectStream();
    const pdf = buildPdf(spec);
    // Rewrite the xref stream row of object 9 (the object stream) as "compressed in stream 9, index 0".
    const bytes = Buffer.from(pdf.bytes);
    const xrefData = bytes.indexOf('stream\n', pdf.xrefAt) + 'stream\n'.length;
    bytes.set([2, 0, 0, 0, 9, 0, 0], xrefData + 9 * 7);
    const r = await open(bytes);
    await expect(r.getObject(5)).rejects.toThrow(/object 9 refers to itself/);
    expect(qpdfCheck(bytes).status).not.toBe(0);
  });
});

const plain = () => buildPdf({ objects: basicObjects(), root: 1 }).bytes;

/** Same-length or not, a textual edit of a handmade file (offsets after the edit may move: the reader copes). */
function edit(b: Buffer, from: string | RegExp, to: string): Buffer {
  const out = Buffer.from(b.toString('latin1').replace(from, to), 'latin1');
  expect(out.equals(b)).toBe(false);
  return out;
}

describe('files with structural oddities that qpdf and poppler read', () => {
  const variants: [string, () => Buffer][] = [
    [
      'a /Prev 0 in the only trailer',
      () => buildPdf({ objects: basicObjects(), root: 1, trailerExtra: '/Prev 0' }).bytes,
    ],
    [
      'object offsets two bytes short',
      () => buildPdf({ objects: basicObjects(), root: 1, offsetDelta: -2 }).bytes,
    ],
    [
      'object offsets three bytes long',
      () => buildPdf({ objects: basicObjects(), root: 1, offsetDelta: 3 }).bytes,
    ],
    [
      'startxref three bytes before xref',
      () => buildPdf({ objects: basicObjects(), root: 1, startxrefDelta: -3 }).bytes,
    ],
    [
      'startxref two bytes into xref',
      () => buildPdf({ objects: basicObjects(), root: 1, startxrefDelta: 2 }).bytes,
    ],
    ['carriage returns only', () => buildPdf({ objects: basicObjects(), root: 1, eol: '\r' }).bytes],
    ['CR LF line ends', () => buildPdf({ objects: basicObjects(), root: 1, eol: '\r\n' }).bytes],
    [
      'no EOL after %%EOF',
      () => {
        const b = buildPdf({ objects: basicObjects(), root: 1 }).bytes;
        return b.subarray(0, b.length - 1);
      },
    ],
    [
      'ten kilobytes of garbage after %%EOF',
      () => Buffer.concat([buildPdf({ objects: basicObjects(), root: 1 }).bytes, Buffer.alloc(10_000, 0x41)]),
    ],
    ['an xref stream with object streams', () => buildPdf(formInObjectStream()).bytes],
    ['a hybrid-reference file (/XRefStm)', () => buildPdf({ ...formInObjectStream(), xref: 'hybrid' }).bytes],
    [
      'comments between tokens',
      () => {
        const objects = basicObjects();
        objects[1] = { num: 2, body: '<< %c1\n/Type %c2\n/Pages /Kids [ %c3\n3 0 R ] /Count 1 >>' };
        return buildPdf({ objects, root: 1 }).bytes;
      },
    ],
    [
      'a wrong direct /Length',
      () => {
        const objects = basicObjects();
        objects[3] = { num: 4, body: '<</Length 5>>\nstream\nBT /F1 12 Tf ET\nendstream' };
        return buildPdf({ objects, root: 1 }).bytes;
      },
    ],
    [
      'an indirect /Length',
      () => {
        const objects = basicObjects();
        objects[3] = { num: 4, body: '<</Length 5 0 R>>\nstream\nBT ET\nendstream' };
        objects.push({ num: 5, body: '5' });
        return buildPdf({ objects, root: 1 }).bytes;
      },
    ],
    ['startxref and its offset on one line', () => edit(plain(), 'startxref\n', 'startxref ')],
    ['xref entries ending in a bare LF', () => edit(plain(), / ([nf])\r\n/g, ' $1\n')],
    ['stream data after a bare CR', () => edit(plain(), 'stream\nBT', 'stream\rBT')],
    ['no whitespace after trailer', () => edit(plain(), 'trailer\n<<', 'trailer<<')],
    ['an object without endobj', () => edit(plain(), '>>\nendobj', '>>\n      ')],
    [
      'an update appended right after %%EOF, without an EOL',
      () => {
        const p = buildPdf({ objects: basicObjects(), root: 1 });
        const body = '<</Type/Pages/Kids[3 0 R]/Count 1>>';
        return appendRevision(p.bytes.subarray(0, p.bytes.length - 1), [{ num: 2, body }], {
          root: 1,
          prev: p.xrefAt,
          size: 5,
        });
      },
    ],
  ];

  it.each(variants)('opens a file with %s without rebuilding its xref', async (_, make) => {
    const bytes = make();
    expect(qpdfCheck(bytes).status).not.toBe(2);
    const r = await open(bytes);
    expect(r.recovery).toBeUndefined();
    expect(await r.pageRefs()).toHaveLength(1);
    const page = await r.resolveDict((await r.pageRefs())[0]);
    const content = await r.resolve(page?.get('Contents'));
    expect(content).toBeInstanceOf(PdfStream);
    const data = Buffer.from(await r.streamData(content as PdfStream)).toString('latin1');
    expect(data).toMatch(/^BT.*ET$/);
  });

  it('ignores an absurd trailer /Size when numbering objects', async () => {
    const huge = '9'.repeat(200);
    const r = await open(buildPdf({ objects: basicObjects(), root: 1, trailerExtra: `/Size ${huge}` }).bytes);
    expect(r.trailer.get('Size')).toBe(Number(huge));
    expect(r.size).toBe(5);
  });

  it('reports the offsets it had to adjust', async () => {
    const r = await open(
      buildPdf({ objects: basicObjects(), root: 1, offsetDelta: 3, startxrefDelta: -3 }).bytes,
    );
    await r.pageRefs();
    expect(r.warnings.map((w) => w.code).sort()).toEqual(
      expect.arrayContaining(['OBJECT_OFFSET_ADJUSTED', 'XREF_OFFSET_ADJUSTED']),
    );
  });
});

describe('damaged cross-reference tables', () => {
  it('rebuilds an unreadable xref by scanning for objects, and says so', async () => {
    const good = buildPdf({ objects: basicObjects(), root: 1 });
    const bytes = Buffer.from(good.bytes);
    bytes.write('garbage!', good.xrefAt, 'latin1');
    expect(await errorCode(open(bytes))).toBe('XREF_BROKEN');
    const q = qpdfCheck(bytes);
    expect(q.status).toBe(3);
    const r = await open(bytes, true);
    expect(r.recovery).toBeDefined();
    expect(r.warnings.map((w) => w.code)).toContain('XREF_RECONSTRUCTED');
    expect(await r.pageRefs()).toHaveLength(1);
  });

  it('rebuilds a table whose subsection starts at 1 instead of 0 (a common writer bug)', async () => {
    const shifted = edit(plain(), 'xref\n0 5', 'xref\n1 5');
    expect(await errorCode(open(shifted).then((r) => r.catalog()))).toBe('MALFORMED_PDF');
    const r = await open(shifted, true);
    expect(r.recovery).toBeDefined();
    expect(await r.pageRefs()).toHaveLength(1);
  });

  it('keeps the intact revision and scans only the damaged update after it', async () => {
    // A stray definition of object 3 inside the intact revision, after the one its xref names (written as object
    // 99 and renumbered in place, so the table still points at the first one).
    const stray = buildPdf({
      objects: [...basicObjects(), { num: 99, body: '<</Type/Page/Parent 2 0 R/MediaBox[0 0 1 1]>>' }],
      root: 1,
    });
    stray.bytes.write(' 3', stray.offsets.get(99)!, 'latin1');
    expect(
      (await (await open(stray.bytes)).resolveDict((await (await open(stray.bytes)).pageRefs())[0]))?.get(
        'MediaBox',
      ),
    ).toEqual([0, 0, 595, 842]);
    const updated = appendRevision(
      stray.bytes,
      [{ num: 2, body: '<</Type/Pages/Kids[3 0 R]/Count 1/Updated true>>' }],
      { root: 1, prev: stray.xrefAt, size: 5, brokenXref: true },
    );
    const r = await open(updated, true);
    expect(r.recovery?.scannedFrom).toBe(stray.bytes.length);
    expect((await r.resolveDict(r.trailer.get('Root'))) instanceof PdfDict).toBe(true);
    // The damaged update's object 2 is read (an update may replace it) ...
    expect((await r.getObject(2)) as PdfDict).toBeInstanceOf(PdfDict);
    expect(((await r.getObject(2)) as PdfDict).get('Updated')).toBe(true);
    // ... while object 3 stays what the intact revision's own table says, not the later stray definition.
    const page = (await r.getObject(3)) as PdfDict;
    expect(page.get('MediaBox')).toEqual([0, 0, 595, 842]);
  });
});

describe('the parser on strange input', () => {
  it('records duplicate dictionary keys instead of silently keeping the last', () => {
    const p = new Parser(Buffer.from('<</A 1/B 2/A 3/C null/C 4>>'), 0, true);
    const d = p.parseValue() as PdfDict;
    expect(d.get('A')).toBe(3);
    expect(d.duplicateKeys).toEqual(['A', 'C']);
    const clean = new Parser(Buffer.from('<</A 1/B 2>>'), 0, true).parseValue() as PdfDict;
    expect(clean.duplicateKeys).toEqual([]);
  });

  it.each([
    ['arrays nested 100 000 deep', `[${'['.repeat(100_000)}`],
    ['dictionaries nested 10 000 deep', '<</A '.repeat(10_000)],
    ['a number of 400 digits', '9'.repeat(400)],
    ['an unterminated string', '(abc'],
    ['an unterminated hex string', '<0a1'],
  ])('fails with a PdfError on %s', (_, text) => {
    const p = new Parser(Buffer.from(text, 'latin1'), 0, true);
    let code = 'OK';
    try {
      p.parseValue();
    } catch (err) {
      if (!isPdfError(err)) throw err;
      code = err.code;
    }
    expect(code).toBe('MALFORMED_PDF');
  });
});

describe('signatures in every revision', () => {
  let pki: TestPki;
  let signed: Buffer;
  let db: string;

  beforeAll(async () => {
    pki = await createTestPki();
    signed = Buffer.from(
      await signPdf(await makePdf(), { signer: pki.personal.signer, signingTime: PERSONAL_TIME }),
    );
    db = nssDbWithRoot(tempDir('lienthong-nss-'), pki.root.certificate);
  });

  const verify = (bytes: Uint8Array) =>
    verifyPdf(bytes, { anchors: pki.anchors, at: pki.at, revocation: 'none' });

  const discover = async (bytes: Uint8Array) => {
    const src = bufferSource(bytes);
    return findSignatures(src, await PdfReader.open(src, { recover: true }));
  };

  function pdfsigOn(bytes: Uint8Array) {
    const file = join(dir, `s${fileNo++}.pdf`);
    writeFileSync(file, bytes);
    return pdfsig(db, file);
  }

  /** Appends an update made of the objects `edit` returns for the signed file's reader. */
  async function update(
    bytes: Buffer,
    edit: (r: PdfReader, next: number) => Promise<HandObject[]>,
    how: { brokenXref?: boolean; noXref?: boolean } = {},
  ): Promise<Buffer> {
    const r = await PdfReader.open(bufferSource(bytes));
    const root = r.trailer.get('Root') as PdfRef;
    const objects = await edit(r, r.size);
    return appendRevision(bytes, objects, { root: root.num, prev: r.startXref, size: r.size, ...how });
  }

  /** The catalog rewritten by `change`, as an object of the update. */
  async function catalogWith(r: PdfReader, change: (d: PdfDict) => void): Promise<HandObject> {
    const cat = (await r.catalog()).clone();
    change(cat);
    return { num: (r.trailer.get('Root') as PdfRef).num, body: serialize(cat) };
  }

  it('finds a signature whose later revision removed /AcroForm and fails it as modified', async () => {
    const hidden = await update(signed, async (r) => [await catalogWith(r, (c) => c.map.delete('AcroForm'))]);
    expect(qpdfCheck(hidden).status).toBe(0);
    // poppler still finds it (through the page's widget annotation) and says it does not cover the whole file.
    expect(pdfsigOn(hidden)).toEqual([expect.objectContaining({ valid: true, total: false })]);
    const found = await discover(hidden);
    expect(found.signatures).toHaveLength(1);
    expect(found.signatures[0]!.referencedAtEnd).toBe(false);
    expect(found.signatures[0]!.referenceChanges.map((c) => c.kind)).toEqual(['acroform-removed']);
    const report = await verify(hidden);
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]!.subIndication).toBe('MODIFIED_AFTER_SIGNING');
    expect(report.valid).toBe(false);
  });

  it("reports a later revision that removes a signature field's /V", async () => {
    const cleared = await update(signed, async (r) => {
      const field = (await r.fields()).find((f) => f.ft === 'Sig')!;
      const dict = field.dict.clone();
      dict.map.delete('V');
      return [{ num: field.ref!.num, body: serialize(dict) }];
    });
    const found = await discover(cleared);
    expect(found.signatures).toHaveLength(1);
    expect(found.signatures[0]!.referenceChanges).toEqual([
      expect.objectContaining({ kind: 'value-removed', field: found.signatures[0]!.fieldNames[0] }),
    ]);
    expect((await verify(cleared)).signatures[0]!.subIndication).toBe('MODIFIED_AFTER_SIGNING');
  });

  it('reports one CMS named by two fields as one signature naming both', async () => {
    const twice = await update(signed, async (r, next) => {
      const field = (await r.fields()).find((f) => f.ft === 'Sig')!;
      const v = field.dict.get('V') as PdfRef;
      const cat = await r.catalog();
      const formRef = cat.get('AcroForm');
      const form = (await r.resolveDict(formRef))!.clone();
      form.set('Fields', [...((await r.resolve(form.get('Fields'))) as PdfRef[]), new PdfRef(next, 0)]);
      const copy = {
        num: next,
        body: `<</FT/Sig/T(copy)/V ${v.num} ${v.gen} R/Subtype/Widget/Rect[0 0 0 0]>>`,
      };
      if (formRef instanceof PdfRef) return [copy, { num: formRef.num, body: serialize(form) }];
      return [copy, await catalogWith(r, (c) => c.set('AcroForm', form))];
    });
    const found = await discover(twice);
    expect(found.signatures).toHaveLength(1);
    expect(found.signatures[0]!.fieldNames).toHaveLength(2);
    expect(found.signatures[0]!.fieldNames[1]).toBe('copy');
    const report = await verify(twice);
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]!.fieldNames).toEqual(found.signatures[0]!.fieldNames);
  });

  it('refuses a signature dictionary with two /Contents as malformed instead of taking the last', async () => {
    const text = signed.toString('latin1');
    const at = text.indexOf('/Filter/Adobe.PPKLite');
    expect(at).toBeGreaterThan(0);
    const dup = Buffer.from(signed);
    dup.write('/Contents<0000000000>', at, 'latin1');
    const found = await discover(dup);
    expect(found.signatures[0]!.malformed).toEqual([expect.stringContaining('/Contents more than once')]);
    const report = await verify(dup);
    expect(report.signatures[0]!.subIndication).toBe('FORMAT_FAILURE');
    expect(report.signatures[0]!.messages[0]).toMatch(/Contents more than once/);
    // pdfsig does not say the altered file is valid either.
    expect(pdfsigOn(dup).some((s) => s.valid)).toBe(false);
  });

  const pageContentChange = async (r: PdfReader, next: number): Promise<HandObject[]> => {
    const pageRef = (await r.pageRefs())[0]!;
    const page = (await r.resolveDict(pageRef))!.clone();
    page.set('Contents', new PdfRef(next, 0));
    const content = 'BT /F1 24 Tf 72 500 Td (Inserted after signing) Tj ET';
    return [
      { num: next, body: `<</Length ${content.length}>>\nstream\n${content}\nendstream` },
      { num: pageRef.num, body: serialize(page) },
    ];
  };

  // qpdf recovers the broken update with warnings (3) but, like other strict readers, does not see objects appended
  // without an xref at all (0): that blindness is what the attack relies on.
  it.each([
    ['an update whose xref is broken', { brokenXref: true }, 3],
    ['objects appended without any xref', { noXref: true }, 0],
  ])('detects a page change hidden in %s (incremental saving attack)', async (_, how, qpdfStatus) => {
    const attacked = await update(signed, pageContentChange, how);
    expect(qpdfCheck(attacked).status).toBe(qpdfStatus);
    const sig = pdfsigOn(attacked);
    expect(sig.every((s) => !s.total)).toBe(true);
    const report = await verify(attacked);
    expect(report.structureWarnings?.map((w) => w.code)).toContain('XREF_RECONSTRUCTED');
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]!.coversWholeDocument).toBe(false);
    expect(report.signatures[0]!.subIndication).toBe('MODIFIED_AFTER_SIGNING');
  });

  it.each([
    ['a /Prev 0', { trailerExtra: '/Prev 0' }],
    ['object offsets two bytes short', { offsetDelta: -2 }],
    ['carriage returns only', { eol: '\r' }],
    ['a hybrid-reference xref', { xref: 'hybrid' as const, objStms: formInObjectStream().objStms }],
  ])('signs and verifies a file with %s, and pdfsig agrees', async (_, odd) => {
    const base = buildPdf({ objects: basicObjects(), root: 1, ...odd }).bytes;
    const out = Buffer.from(await signPdf(base, { signer: pki.personal.signer, signingTime: PERSONAL_TIME }));
    expect(qpdfCheck(out).status).not.toBe(2);
    const report = await verify(out);
    expect(report.signatures.map((s) => [s.valid, s.coversWholeDocument])).toEqual([[true, true]]);
    expect(pdfsigOn(out).map((s) => [s.valid, s.total])).toEqual([[true, true]]);
  });

  it('verifies an untouched signed file without structural warnings', async () => {
    const report = await verify(signed);
    expect(report.valid).toBe(true);
    expect(report.structureWarnings).toEqual([]);
    expect(pdfsigOn(signed).map((s) => s.valid)).toEqual([true]);
  });
});

describe('crawling the reader for crash paths', () => {
  it('opens or refuses with a PdfError every mutation of files with object streams, hybrid xrefs and CR ends', async () => {
    const bases = [
      buildPdf(formInObjectStream()).bytes,
      buildPdf({ ...formInObjectStream(), xref: 'hybrid' }).bytes,
      buildPdf({ objects: basicObjects('/AcroForm<</Fields[]>>'), root: 1, eol: '\r' }).bytes,
    ];
    const tokens = [
      '[',
      '<<',
      '>>',
      '9'.repeat(30),
      'endstream',
      ' obj ',
      '%',
      '\r',
      ' R ',
      '/Length 4 0 R',
      '-1',
      '(',
    ];
    let seed = 20261129;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 1500; i++) {
      const base = bases[i % bases.length]!;
      const p = rnd(base.length);
      const kind = rnd(4);
      const m =
        kind === 0
          ? Buffer.concat([base.subarray(0, p), Buffer.from([rnd(256)]), base.subarray(p + 1)])
          : kind === 1
            ? Buffer.concat([base.subarray(0, p), Buffer.from(tokens[rnd(tokens.length)]!), base.subarray(p)])
            : kind === 2
              ? Buffer.concat([base.subarray(0, p), base.subarray(p + 1 + rnd(32))])
              : base.subarray(0, p);
      let outcome = 'OK';
      try {
        const r = await open(m, true);
        await r.pageRefs();
        await r.fields();
        await findSignatures(bufferSource(m), r);
        for (const num of [...r.entries.keys()]) await r.getObject(num);
      } catch (err) {
        if (!isPdfError(err)) throw new Error(`mutation ${i} (kind ${kind} at ${p}) crashed: ${String(err)}`);
        outcome = err.code;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // Both kinds of outcome occur, so the loop really exercised readable and unreadable files.
    expect(outcomes.get('OK')).toBeGreaterThan(100);
    expect(outcomes.size).toBeGreaterThan(1);
  });
});
