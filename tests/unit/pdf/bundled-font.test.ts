import { signPdf } from '../../../pdf';
import type * as FsPromises from 'node:fs/promises';
import fontkit from '@pdf-lib/fontkit';
import { loadAppearanceFont, bundledFontPath } from '../../../pdf/appearance/font';
import { padGlyphs } from '../../../pdf/appearance/pad-glyphs';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { makePdf } from './support/corpus';
import { blueSignaturePng } from './support/png';
import { countPixels, isBlue, isDark, isInk, noSystemFontsEnv, pageText, renderPage } from './support/render';
import { PERSONAL_TIME } from './support/signing';
import { tool } from './support/tools';

jest.setTimeout(60_000);

// The project's loader sees no system font: every read under a system font folder fails as on a bare machine.
jest.mock('node:fs/promises', () => {
  const real = jest.requireActual<typeof FsPromises>('node:fs/promises');
  return {
    ...real,
    readFile: (path: unknown, ...rest: unknown[]) =>
      String(path).startsWith('/usr/share/fonts')
        ? Promise.reject(Object.assign(new Error(`ENOENT: ${String(path)}`), { code: 'ENOENT' }))
        : (real.readFile as (...a: unknown[]) => Promise<Buffer>)(path, ...rest),
  };
});

const realReadFile = jest.requireActual<typeof FsPromises>('node:fs/promises').readFile;
const VIETNAMESE = 'Ủy ban nhân dân ằ ẩ ậ ế ệ ộ ợ ừ ữ ỹ Đ đ';
let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

describe('the font that ships with the project (Tinos from npm)', () => {
  it('is found before system fonts and covers Vietnamese, in both weights', async () => {
    for (const [weight, style] of [
      ['regular', 'Regular'],
      ['bold', 'Bold'],
    ] as const) {
      const font = fontkit.create(Buffer.from(await loadAppearanceFont({ text: VIETNAMESE, weight })));
      expect([font.familyName, font.subfamilyName]).toEqual(['Tinos', style]);
    }
  });

  it('keeps LIENTHONG_FONT (defaultPath / defaultFontPath) as the override', async () => {
    const other = await loadAppearanceFont({ text: VIETNAMESE, defaultFontPath: bundledFontPath('bold') });
    expect(fontkit.create(Buffer.from(other)).subfamilyName).toBe('Bold');
  });

  it('aligns glyphs so that a subset keeps every glyph (fontkit writes short offsets as offset / 2)', async () => {
    const raw = await realReadFile(bundledFontPath());
    const padded = fontkit.create(Buffer.from(padGlyphs(raw)));
    const original = fontkit.create(raw);
    const { offsets } = (padded as unknown as { loca: { offsets: number[] } }).loca;
    expect(offsets.filter((o) => o % 4 !== 0)).toEqual([]);
    for (const ch of 'Ủy ban nhân dân')
      expect(padded.glyphForCodePoint(ch.codePointAt(0)!).path.toSVG()).toBe(
        original.glyphForCodePoint(ch.codePointAt(0)!).path.toSVG(),
      );
  });

  it('falls back to the bundled font when LIENTHONG_FONT is unreadable, and fails clearly when nothing covers the text', async () => {
    await expect(
      loadAppearanceFont({
        text: VIETNAMESE,
        defaultPath: '/nonexistent.ttf',
        weight: 'regular',
        systemFonts: [],
      }),
    ).resolves.toBeDefined();
    await expect(loadAppearanceFont({ text: '\u{10FFFD}', systemFonts: [] })).rejects.toMatchObject({
      code: 'FONT_UNAVAILABLE',
    });
  });

  it('signs a visible Decree 30 appearance that renders and extracts with no system font visible', async () => {
    const rect: [number, number, number, number] = [320, 120, 220, 110];
    const input = await makePdf({ pages: 1 });
    const signed = await signPdf(input, {
      signer: pki.personal.signer,
      signingTime: PERSONAL_TIME,
      appearance: {
        kind: 'personal',
        rect,
        title: 'TM. ỦY BAN NHÂN DÂN',
        name: 'Nguyễn Văn An',
        image: blueSignaturePng(),
      },
    });
    const env = noSystemFontsEnv();
    const fonts = tool('pdffonts', ['-'], { input: signed, env });
    expect(fonts.stdout).toMatch(/Tinos/);
    const before = renderPage(input, 1, env);
    const after = renderPage(signed, 1, env, 'test-output/bundled-font/personal');
    expect(countPixels(before, rect, isDark)).toBe(0);
    // The title and name lines are drawn in black, the signature image in blue, inside the widget.
    const nameLine: typeof rect = [rect[0], rect[1], rect[2], 16];
    // Every glyph of "Nguyễn Văn An" drawn: 272 pixels of ink here; a subset that lost glyphs drew about a third.
    expect(countPixels(after, nameLine, isInk)).toBeGreaterThan(200);
    expect(countPixels(after, rect, isDark)).toBeGreaterThan(60);
    expect(countPixels(after, rect, isBlue)).toBeGreaterThan(150);
    const text = pageText(signed, 1, env);
    expect(text).toContain('TM. ỦY BAN NHÂN DÂN');
    expect(text).toContain('Nguyễn Văn An');
  });
});
