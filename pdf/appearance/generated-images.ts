import fontkit from '@pdf-lib/fontkit';
import { Canvas, type Polygon, circle, stroke } from './raster';

type Font = ReturnType<typeof fontkit.create>;
type Point = [number, number];
/** Maps a point of a glyph (font units, y up) to the canvas. */
type Place = (x: number, y: number) => Point;

const SEAL_RED: [number, number, number, number] = [206, 22, 32, 235];
const INK_BLUE: [number, number, number, number] = [22, 50, 168, 245];

/** Outline of a glyph as polygons (curves flattened), placed by `place`. */
interface GlyphOutline {
  path: { commands: { command: string; args: number[] }[] };
}

function glyphPolygons(g: unknown, place: Place): Polygon[] {
  // fontkit's published types omit Path.commands, which it has at run time.
  const glyph = g as GlyphOutline;
  const out: Polygon[] = [];
  let cur: Polygon = [];
  let at: Point = [0, 0];
  const push = (x: number, y: number) => {
    at = [x, y];
    cur.push(place(x, y));
  };
  for (const { command, args: a } of glyph.path.commands) {
    if (command === 'moveTo') {
      if (cur.length > 2) out.push(cur);
      cur = [];
      push(a[0]!, a[1]!);
    } else if (command === 'lineTo') push(a[0]!, a[1]!);
    else if (command === 'quadraticCurveTo' || command === 'bezierCurveTo') {
      const [x0, y0] = at;
      for (let t = 1 / 8; t <= 1.0001; t += 1 / 8) {
        const u = 1 - t;
        if (command === 'quadraticCurveTo')
          push(
            u * u * x0 + 2 * u * t * a[0]! + t * t * a[2]!,
            u * u * y0 + 2 * u * t * a[1]! + t * t * a[3]!,
          );
        else
          push(
            u * u * u * x0 + 3 * u * u * t * a[0]! + 3 * u * t * t * a[2]! + t * t * t * a[4]!,
            u * u * u * y0 + 3 * u * u * t * a[1]! + 3 * u * t * t * a[3]! + t * t * t * a[5]!,
          );
      }
    } else if (command === 'closePath') {
      if (cur.length > 2) out.push(cur);
      cur = [];
    }
  }
  if (cur.length > 2) out.push(cur);
  return out;
}

function parse(font: Uint8Array): Font {
  return fontkit.create(Buffer.isBuffer(font) ? font : Buffer.from(font));
}

/**
 * A red round seal ("con dấu") as a PNG with a transparent background: two rims, the agency's name in capitals
 * around the upper rim, a five-pointed star in the centre. `font` is a bold TrueType face covering the name.
 */
export function sealPng(agencyName: string, font: Uint8Array, size = 360): Buffer {
  const f = parse(font);
  const canvas = new Canvas(size, size);
  const c = size / 2;
  const R = size / 2 - 2;
  canvas.fill(
    [circle(c, c, R), circle(c, c, R * 0.93, true), circle(c, c, R * 0.6), circle(c, c, R * 0.55, true)],
    SEAL_RED,
  );
  // The star ("ngôi sao"): ten points alternating between two radii, the first pointing up.
  const star: Polygon = Array.from({ length: 10 }, (_, i) => {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const r = i % 2 === 0 ? R * 0.34 : R * 0.135;
    return [c + r * Math.cos(a), c + r * Math.sin(a)];
  });
  canvas.fill([star], SEAL_RED);
  canvas.fill(rimText(f, agencyName.normalize('NFC').toLocaleUpperCase('vi'), c, R), SEAL_RED);
  return canvas.png();
}

/** Letters upright around the rim, centred on the top, baselines on a circle between the two rims. */
function rimText(f: Font, text: string, c: number, R: number): Polygon[] {
  const run = f.layout(text);
  const advance = run.positions.reduce((s, p) => s + p.xAdvance, 0);
  const baseRadius = R * 0.66;
  // Cap height about a fifth of the band; shrink to keep the text within 300 degrees of the rim.
  const scale = Math.min((R * 0.2) / f.capHeight, ((300 / 180) * Math.PI * baseRadius) / advance);
  const span = (advance * scale) / baseRadius;
  let s = 0;
  const polygons: Polygon[] = [];
  run.glyphs.forEach((glyph, i) => {
    const adv = run.positions[i]!.xAdvance;
    const theta = -Math.PI / 2 - span / 2 + ((s + adv / 2) * scale) / baseRadius;
    s += adv;
    const phi = theta + Math.PI / 2;
    const [ox, oy] = [c + baseRadius * Math.cos(theta), c + baseRadius * Math.sin(theta)];
    const place: Place = (gx, gy) => {
      const x = (gx - adv / 2) * scale;
      const y = -gy * scale;
      return [ox + x * Math.cos(phi) - y * Math.sin(phi), oy + x * Math.sin(phi) + y * Math.cos(phi)];
    };
    polygons.push(...glyphPolygons(glyph, place));
  });
  return polygons;
}

/**
 * A blue handwritten-style signature as a PNG with a transparent background: the signer's name in an italic face,
 * slanted further and rising, over a flourish. `font` is an italic TrueType face covering the name.
 */
export function signaturePng(fullName: string, font: Uint8Array, width = 420, height = 170): Buffer {
  const f = parse(font);
  const canvas = new Canvas(width, height);
  const run = f.layout(fullName.normalize('NFC'));
  const advance = run.positions.reduce((s, p) => s + p.xAdvance, 0);
  const scale = Math.min((height * 0.42) / f.capHeight, (width * 0.86) / advance);
  const slant = 0.35;
  const rise = -0.12; // the line climbs to the right, as signatures do
  const left = (width - advance * scale) / 2;
  const baseline = height * 0.72;
  let pen = 0;
  const polygons: Polygon[] = [];
  run.glyphs.forEach((glyph, i) => {
    const start = pen;
    pen += run.positions[i]!.xAdvance;
    polygons.push(
      ...glyphPolygons(glyph, (gx, gy) => {
        const x = left + (start + gx + gy * slant) * scale;
        return [x, baseline - gy * scale + (x - left) * rise];
      }),
    );
  });
  canvas.fill(polygons, INK_BLUE);
  const flourish: Point[] = Array.from({ length: 60 }, (_, i) => {
    const t = i / 59;
    const x = width * (0.1 + 0.82 * t);
    return [
      x,
      baseline +
        height * 0.14 -
        t * height * 0.12 +
        Math.sin(t * Math.PI * 1.5) * height * 0.06 +
        (x - left) * rise * 0.5,
    ];
  });
  canvas.fill(stroke(flourish, Math.max(2, height / 60)), INK_BLUE);
  return canvas.png();
}
