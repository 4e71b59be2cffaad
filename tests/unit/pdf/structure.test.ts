import { PdfReader } from '../../../pdf/core/document';
import { isPdfError } from '../../../pdf/core/errors';
import { PdfDict, PdfStream } from '../../../pdf/core/objects';
import { Parser } from '../../../pdf/core/parser';
import { bufferSource } from '../../../pdf/core/source';
import { findSignatures } from '../../../pdf/verify/find-signatures';
import { appendRevision, basicObjects, buildPdf, formInObjectStream, qpdfCheck } from './support/handmade';

jest.setTimeout(120_000);

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
    [
      'the last stream without endstream',
      () => {
        const objects = basicObjects();
        const content = 'BT /F1 12 Tf ET';
        objects[3] = { num: 4, body: `<</Length ${content.length}>>\nstream\n${content}\n` };
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
