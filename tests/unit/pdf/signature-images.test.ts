import { readFileSync } from 'node:fs';
import { PDFDocument } from 'pdf-lib';
import { bundledFontPath } from '../../../pdf/appearance/font';
import { sealPng, signaturePng } from '../../../pdf/appearance/generated-images';
import { Canvas, circle } from '../../../pdf/appearance/raster';
import { checkSignatureImage } from '../../../pdf/appearance/signature-image';
import { countPixels, isBlue, isRed, noSystemFontsEnv, renderPage } from './support/render';

jest.setTimeout(30_000);

/** Renders `png` alone on a page of its own size (1 pixel : 1 point at 72 dpi). */
async function show(png: Uint8Array, name: string) {
  const doc = await PDFDocument.create();
  const image = await doc.embedPng(png);
  doc.addPage([image.width, image.height]).drawImage(image, { x: 0, y: 0 });
  return renderPage(await doc.save(), 1, noSystemFontsEnv(), `test-output/images/${name}`);
}

describe('generated seal and signature images', () => {
  it('draws a red seal: rim, name around it, star in the centre, transparent outside the circle', async () => {
    const png = sealPng('Ủy ban nhân dân xã Tân Phú', readFileSync(bundledFontPath('bold')));
    expect(await checkSignatureImage(png)).toEqual({ ok: true, width: 360, height: 360 });
    const page = await show(png, 'seal');
    expect(countPixels(page, [170, 170, 20, 20], isRed)).toBeGreaterThan(300); // the star's centre
    expect(countPixels(page, [0, 0, 30, 30], isRed)).toBe(0); // a corner, outside the seal
    // The upper band between the rims holds the letters of the name.
    expect(countPixels(page, [60, 250, 240, 80], isRed)).toBeGreaterThan(2000);
  });

  it('draws a blue signature over a transparent background', async () => {
    const png = signaturePng('Nguyễn Văn An', readFileSync(bundledFontPath('italic')));
    expect((await checkSignatureImage(png)).ok).toBe(true);
    const page = await show(png, 'signature');
    expect(countPixels(page, [0, 0, 420, 170], isBlue)).toBeGreaterThan(2000);
    expect(countPixels(page, [0, 150, 30, 20], isBlue)).toBe(0);
  });

  it('fills polygons with the non-zero rule: a ring keeps its hole', () => {
    const canvas = new Canvas(40, 40);
    canvas.fill([circle(20, 20, 18), circle(20, 20, 10, true)], [255, 0, 0, 255]);
    const alphaAt = (x: number, y: number) => canvas.rgba[(y * 40 + x) * 4 + 3];
    expect(alphaAt(20, 20)).toBe(0);
    expect(alphaAt(20, 5)).toBe(255);
    expect(alphaAt(0, 0)).toBe(0);
  });
});

describe('uploaded image check', () => {
  const valid = new Canvas(64, 64).png();
  it('accepts a transparent PNG', async () => {
    expect(await checkSignatureImage(valid)).toEqual({ ok: true, width: 64, height: 64 });
  });

  it.each([
    [
      'SVG',
      Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...new Array(60).fill(0)]), 'UNSUPPORTED_MEDIA_TYPE'],
    ['too many bytes', Buffer.concat([valid, Buffer.alloc(600 * 1024)]), 'PAYLOAD_TOO_LARGE'],
    ['too small', new Canvas(16, 16).png(), 'DOMAIN_VALIDATION'],
    ['too wide', new Canvas(2400, 40).png(), 'DOMAIN_VALIDATION'],
  ])('refuses %s', async (_name, bytes, code) => {
    expect(await checkSignatureImage(bytes)).toMatchObject({ ok: false, code });
  });

  it('refuses an opaque PNG and one that does not decode', async () => {
    const rgb = Buffer.from(valid);
    rgb[25] = 2; // colour type RGB: no alpha, no tRNS
    expect(await checkSignatureImage(rgb)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/transparency/),
    });
    const broken = Buffer.from(valid);
    const idat = broken.indexOf('IDAT');
    broken.fill(0x55, idat + 4, idat + 20);
    expect(await checkSignatureImage(broken)).toMatchObject({ ok: false, code: 'DOMAIN_VALIDATION' });
  });
});
