import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPdfError, verifyPdf } from '../../../pdf';
import { PdfReader } from '../../../pdf/core/document';
import { rc4 } from '../../../pdf/core/encryption/rc4';
import { decodeStream } from '../../../pdf/core/filters';
import { PdfStream, PdfString } from '../../../pdf/core/objects';
import { bufferSource } from '../../../pdf/core/source';
import { makePdf } from './support/corpus';
import { tempDir, tool } from './support/tools';

jest.setTimeout(60_000);

let dir: string;
beforeAll(async () => {
  dir = tempDir();
  writeFileSync(join(dir, 'plain.pdf'), await makePdf());
});

/** Encrypts the plain document with qpdf: empty user password, owner password "owner" (permissions only). */
function encrypt(name: string, args: string[], user = ''): Uint8Array {
  const out = join(dir, `${name}.pdf`);
  const general = args.filter((a) => a.startsWith('--object-streams'));
  const enc = args.filter((a) => !general.includes(a));
  const r = tool('qpdf', [
    '--allow-weak-crypto',
    ...general,
    '--encrypt',
    user,
    'owner',
    ...enc,
    '--',
    join(dir, 'plain.pdf'),
    out,
  ]);
  expect(r.stderr).toBe('');
  return readFileSync(out);
}

/** What a reader sees: the /Info title and the first page's decoded content. */
async function seen(bytes: Uint8Array): Promise<{ title: string; content: string }> {
  const r = await PdfReader.open(bufferSource(bytes));
  const info = await r.resolveDict(r.trailer.get('Info'));
  const title = info?.get('Title');
  const page = await r.resolveDict((await r.pageRefs())[0]);
  const contents = await r.resolve(page?.get('Contents'));
  const stream = await r.resolve(Array.isArray(contents) ? contents[0] : contents);
  if (!(title instanceof PdfString) || !(stream instanceof PdfStream))
    throw new Error('unexpected structure');
  const content = Buffer.from(decodeStream(stream.dict, await r.streamData(stream))).toString('latin1');
  return { title: Buffer.from(title.bytes).toString('hex'), content };
}

describe('standard security handler, empty user password', () => {
  it('implements RC4 (test vector of the original 1994 posting)', () => {
    const out = rc4(Buffer.from('Key'), Buffer.from('Plaintext'));
    expect(Buffer.from(out).toString('hex')).toBe('bbf316e8d940af0ad3');
  });

  it.each([
    ['R2 RC4 40-bit', ['40']],
    ['R3 RC4 128-bit', ['128', '--use-aes=n']],
    ['R4 AESV2', ['128', '--use-aes=y']],
    ['R4 AESV2 with object streams', ['128', '--use-aes=y', '--object-streams=generate']],
    ['R5 AESV3', ['256', '--force-R5']],
    ['R6 AESV3 with object streams', ['256', '--object-streams=generate']],
  ])('reads %s like the unencrypted file', async (name, args) => {
    const plain = await seen(readFileSync(join(dir, 'plain.pdf')));
    expect(plain.content).toContain(' Tf');
    expect(await seen(encrypt(name.replace(/\W+/g, '-'), args))).toEqual(plain);
  });

  it('verifies an unsigned encrypted document as unsigned instead of refusing it', async () => {
    const r = await verifyPdf(encrypt('r6', ['256']), { anchors: [], at: new Date(), revocation: 'none' });
    expect(r.signatures).toEqual([]);
  });

  it('still refuses a document that needs a user password, with ENCRYPTED_PDF', async () => {
    for (const args of [['128', '--use-aes=n'], ['256']]) {
      const err = await PdfReader.open(bufferSource(encrypt('user', args, 'secret'))).catch(
        (e: unknown) => e,
      );
      expect(isPdfError(err) && err.code).toBe('ENCRYPTED_PDF');
    }
  });
});
