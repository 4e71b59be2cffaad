import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** Encodes an RGBA image as PNG (8-bit, colour type 6) with `pixel(x, y)` returning [r, g, b, a]. */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => number[]): Buffer {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * (width * 4 + 1) + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A red agency seal: two rings and a star, transparent background. */
export function redSealPng(size = 160): Buffer {
  const c = size / 2;
  return encodePng(size, size, (x, y) => {
    const r = Math.hypot(x - c, y - c);
    const ring = (r > c * 0.9 && r < c * 0.98) || (r > c * 0.62 && r < c * 0.67);
    const a = Math.atan2(y - c, x - c);
    const star = r < c * 0.3 * (0.55 + 0.45 * Math.cos(5 * a));
    return ring || star ? [220, 20, 30, 230] : [0, 0, 0, 0];
  });
}

/** A blue handwritten-like scribble, transparent background. */
export function blueSignaturePng(w = 240, h = 80): Buffer {
  return encodePng(w, h, (x, y) => {
    const t = x / w;
    const y1 = h / 2 + Math.sin(t * Math.PI * 5) * h * 0.3 * (1 - t * 0.5);
    const y2 = h * 0.7 - t * h * 0.4;
    const on = Math.abs(y - y1) < 2.2 || (t > 0.15 && t < 0.85 && Math.abs(y - y2) < 1.6);
    return on ? [20, 40, 200, 255] : [0, 0, 0, 0];
  });
}
