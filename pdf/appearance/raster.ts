import { deflateSync } from 'node:zlib';

/** A closed polygon, points in pixels (x right, y down). */
export type Polygon = [number, number][];

/**
 * A small RGBA canvas that fills polygons with the non-zero winding rule and anti-aliased edges (exact horizontal
 * coverage, four sub-rows per pixel): enough to draw seals and signatures in code, no image library needed.
 */
export class Canvas {
  readonly rgba: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgba = new Uint8Array(width * height * 4);
  }

  /** Fills the union of `polygons` (non-zero winding) in `color` (r, g, b, a 0–255). */
  fill(polygons: Polygon[], color: [number, number, number, number]): void {
    const coverage = new Float32Array(this.width * this.height);
    const edges = polygons.flatMap((p) => p.map((a, i) => [a, p[(i + 1) % p.length]!] as const));
    const SUB = 4;
    for (let sy = 0; sy < this.height * SUB; sy++) {
      const y = (sy + 0.5) / SUB;
      const crossings: [number, number][] = [];
      for (const [[x0, y0], [x1, y1]] of edges) {
        if (y0 === y1 || y < Math.min(y0, y1) || y >= Math.max(y0, y1)) continue;
        crossings.push([x0 + ((y - y0) / (y1 - y0)) * (x1 - x0), y1 > y0 ? 1 : -1]);
      }
      crossings.sort((a, b) => a[0] - b[0]);
      let winding = 0;
      for (let i = 0; i < crossings.length - 1; i++) {
        winding += crossings[i]![1];
        if (winding !== 0)
          this.span(coverage, Math.floor(sy / SUB), crossings[i]![0], crossings[i + 1]![0], 1 / SUB);
      }
    }
    const [r, g, b, a] = color;
    for (let i = 0; i < coverage.length; i++) {
      const alpha = (Math.min(1, coverage[i]!) * a) / 255;
      if (alpha <= 0) continue;
      // "Over" compositing onto what is already drawn.
      const o = i * 4;
      const below = this.rgba[o + 3]! / 255;
      const out = alpha + below * (1 - alpha);
      const mix = (src: number, dst: number) => Math.round((src * alpha + dst * below * (1 - alpha)) / out);
      this.rgba[o] = mix(r, this.rgba[o]!);
      this.rgba[o + 1] = mix(g, this.rgba[o + 1]!);
      this.rgba[o + 2] = mix(b, this.rgba[o + 2]!);
      this.rgba[o + 3] = Math.round(out * 255);
    }
  }

  private span(coverage: Float32Array, row: number, x0: number, x1: number, weight: number): void {
    const from = Math.max(0, x0);
    const to = Math.min(this.width, x1);
    for (let px = Math.floor(from); px < Math.ceil(to); px++) {
      const overlap = Math.min(to, px + 1) - Math.max(from, px);
      if (overlap > 0) coverage[row * this.width + px]! += overlap * weight;
    }
  }

  /** The canvas as a PNG (8-bit RGBA, colour type 6: transparency kept). */
  png(): Buffer {
    const stride = this.width * 4 + 1;
    const raw = Buffer.alloc(stride * this.height);
    for (let y = 0; y < this.height; y++)
      raw.set(this.rgba.subarray(y * this.width * 4, (y + 1) * this.width * 4), y * stride + 1);
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr.set([8, 6, 0, 0, 0], 8);
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, crc]);
}

/** A circle as a polygon; `clockwise` reverses it (a hole inside a counter-clockwise outline). */
export function circle(cx: number, cy: number, r: number, clockwise = false, steps = 180): Polygon {
  const pts: Polygon = [];
  for (let i = 0; i < steps; i++) {
    const a = ((clockwise ? -1 : 1) * 2 * Math.PI * i) / steps;
    pts.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  }
  return pts;
}

/** A thick polyline as round-capped segments, each oriented the same way, so their union fills (non-zero). */
export function stroke(points: [number, number][], width: number): Polygon[] {
  const out: Polygon[] = [];
  const half = width / 2;
  for (let i = 0; i < points.length - 1; i++) {
    const [x0, y0] = points[i]!;
    const [x1, y1] = points[i + 1]!;
    const len = Math.hypot(x1 - x0, y1 - y0) || 1;
    const nx = (-(y1 - y0) / len) * half;
    const ny = ((x1 - x0) / len) * half;
    out.push([
      [x0 + nx, y0 + ny],
      [x1 + nx, y1 + ny],
      [x1 - nx, y1 - ny],
      [x0 - nx, y0 - ny],
    ]);
    out.push(circle(x1, y1, half, false, 16));
  }
  if (points[0]) out.push(circle(points[0][0], points[0][1], half, false, 16));
  return out.map(orientCounterClockwise);
}

function orientCounterClockwise(p: Polygon): Polygon {
  let area = 0;
  for (let i = 0; i < p.length; i++) {
    const [x0, y0] = p[i]!;
    const [x1, y1] = p[(i + 1) % p.length]!;
    area += x0 * y1 - x1 * y0;
  }
  return area < 0 ? [...p].reverse() : p;
}
