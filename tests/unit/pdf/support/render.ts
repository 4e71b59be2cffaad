import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, tool } from './tools';

/** A rendered page: 8-bit RGB pixels, one point per pixel at 72 dpi, origin top left. */
export interface RenderedPage {
  width: number;
  height: number;
  rgb: Buffer;
}

/**
 * An environment in which poppler sees no system font: fontconfig reads an empty configuration, so only fonts
 * embedded in the PDF can draw text (a missing embedded font shows as absent text, not as a substitute).
 */
export function noSystemFontsEnv(): NodeJS.ProcessEnv {
  const dir = tempDir('lienthong-nofonts-');
  const conf = join(dir, 'fonts.conf');
  writeFileSync(conf, `<?xml version="1.0"?>\n<fontconfig><cachedir>${dir}/cache</cachedir></fontconfig>\n`);
  return { ...process.env, FONTCONFIG_FILE: conf, FONTCONFIG_PATH: dir };
}

/** Renders one page with pdftoppm (PPM, 72 dpi) in `env`; also writes a PNG to `pngPrefix` when given. */
export function renderPage(
  pdf: Uint8Array,
  page: number,
  env: NodeJS.ProcessEnv,
  pngPrefix?: string,
): RenderedPage {
  const dir = tempDir('lienthong-render-');
  const file = join(dir, 'in.pdf');
  writeFileSync(file, pdf);
  const pageArgs = ['-f', String(page), '-l', String(page), '-singlefile'];
  const r = tool('pdftoppm', ['-r', '72', ...pageArgs, file, join(dir, 'page')], { env });
  if (r.status !== 0) throw new Error(`pdftoppm failed: ${r.stderr}`);
  if (pngPrefix) {
    mkdirSync(join(pngPrefix, '..'), { recursive: true });
    tool('pdftoppm', ['-png', '-r', '100', ...pageArgs, file, pngPrefix], { env });
  }
  const ppm = readFileSync(
    join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.ppm'))!,
    ),
  );
  // P6 header: magic, width, height, maxval, each followed by whitespace.
  const m = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(ppm.subarray(0, 64).toString('latin1'))!;
  return { width: Number(m[1]), height: Number(m[2]), rgb: ppm.subarray(m[0].length) };
}

/** Pixels inside a PDF rectangle [x, y, w, h] (points, origin bottom left) that `test(r, g, b)` accepts. */
export function countPixels(
  page: RenderedPage,
  rect: [number, number, number, number],
  test: (r: number, g: number, b: number) => boolean,
): number {
  const [x, y, w, h] = rect;
  let n = 0;
  const top = Math.max(0, Math.floor(page.height - y - h));
  const bottom = Math.min(page.height, Math.ceil(page.height - y));
  for (let py = top; py < bottom; py++)
    for (let px = Math.max(0, Math.floor(x)); px < Math.min(page.width, Math.ceil(x + w)); px++) {
      const i = (py * page.width + px) * 3;
      if (test(page.rgb[i]!, page.rgb[i + 1]!, page.rgb[i + 2]!)) n++;
    }
  return n;
}

/** Any grey or black drawn on white (antialiased text edges included), but not a coloured image. */
export const isInk = (r: number, g: number, b: number) =>
  r + g + b < 600 && Math.max(r, g, b) - Math.min(r, g, b) < 40;
export const isDark = (r: number, g: number, b: number) => r + g + b < 200;
export const isBlue = (r: number, g: number, b: number) => b > 120 && b > r + 50 && b > g + 30;
export const isRed = (r: number, g: number, b: number) => r > 150 && r > g + 70 && r > b + 70;

/** pdftotext of one page in `env`. */
export function pageText(pdf: Uint8Array, page: number, env: NodeJS.ProcessEnv): string {
  const dir = tempDir('lienthong-text-');
  const file = join(dir, 'in.pdf');
  writeFileSync(file, pdf);
  const args = ['-f', String(page), '-l', String(page), '-enc', 'UTF-8', file, '-'];
  return tool('pdftotext', args, { env }).stdout;
}
