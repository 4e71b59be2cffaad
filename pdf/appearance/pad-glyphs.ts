/**
 * Pads every glyph of a TrueType font to a 4-byte boundary (OpenType spec, 'loca': offsets "should" be 4-byte
 * aligned; 'glyf': each glyph is a multiple of 2 bytes in practice). Fonts built without padding — Tinos as Google
 * Fonts ships it has 1,316 odd offsets — break fontkit's subsetter: a subset small enough for the short 'loca'
 * format stores offset/2, so every glyph after an odd one starts in the wrong place and renders as nothing.
 * Pure byte rewrite: the glyph data, metrics and hinting are unchanged; only 'glyf', 'loca', 'head' and the table
 * directory are rewritten, and only when some glyph is unaligned.
 */
export function padGlyphs(font: Uint8Array): Uint8Array {
  const src = Buffer.from(font.buffer, font.byteOffset, font.byteLength);
  const tables = readDirectory(src);
  const head = tables.get('head');
  const loca = tables.get('loca');
  const glyf = tables.get('glyf');
  const maxp = tables.get('maxp');
  if (!head || !loca || !glyf || !maxp) return font;
  const numGlyphs = src.readUInt16BE(maxp.offset + 4);
  const longFormat = src.readInt16BE(head.offset + 50) === 1;
  const offsets: number[] = [];
  for (let i = 0; i <= numGlyphs; i++)
    offsets.push(
      longFormat ? src.readUInt32BE(loca.offset + 4 * i) : 2 * src.readUInt16BE(loca.offset + 2 * i),
    );
  if (offsets.every((o) => o % 4 === 0)) return font;

  const glyphs: Buffer[] = [];
  const newLoca = Buffer.alloc(4 * (numGlyphs + 1));
  let at = 0;
  for (let i = 0; i < numGlyphs; i++) {
    newLoca.writeUInt32BE(at, 4 * i);
    const g = src.subarray(glyf.offset + offsets[i]!, glyf.offset + offsets[i + 1]!);
    const padded = Buffer.alloc(align4(g.length));
    g.copy(padded);
    glyphs.push(padded);
    at += padded.length;
  }
  newLoca.writeUInt32BE(at, 4 * numGlyphs);
  const newHead = Buffer.from(src.subarray(head.offset, head.offset + head.length));
  newHead.writeInt16BE(1, 50); // indexToLocFormat: long offsets
  newHead.writeUInt32BE(0, 8); // checkSumAdjustment: recomputed below
  const data = new Map<string, Buffer>();
  for (const [tag, t] of tables) data.set(tag, src.subarray(t.offset, t.offset + t.length));
  data.set('glyf', Buffer.concat(glyphs));
  data.set('loca', newLoca);
  data.set('head', newHead);
  return writeFont(src.readUInt32BE(0), data);
}

interface TableRecord {
  offset: number;
  length: number;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function readDirectory(src: Buffer): Map<string, TableRecord> {
  const tables = new Map<string, TableRecord>();
  const count = src.readUInt16BE(4);
  for (let i = 0; i < count; i++) {
    const r = 12 + 16 * i;
    const tag = src.toString('latin1', r, r + 4);
    tables.set(tag, { offset: src.readUInt32BE(r + 8), length: src.readUInt32BE(r + 12) });
  }
  return tables;
}

function checksum(b: Buffer): number {
  const padded = b.length % 4 ? Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]) : b;
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + padded.readUInt32BE(i)) >>> 0;
  return sum;
}

/** Serialises an sfnt with tables in tag order, each 4-byte aligned, and the head checksum adjustment set. */
function writeFont(sfntVersion: number, data: Map<string, Buffer>): Uint8Array {
  const tags = [...data.keys()].sort();
  const n = tags.length;
  const log2 = Math.floor(Math.log2(n));
  const header = Buffer.alloc(12 + 16 * n);
  header.writeUInt32BE(sfntVersion, 0);
  header.writeUInt16BE(n, 4);
  header.writeUInt16BE(16 * 2 ** log2, 6);
  header.writeUInt16BE(log2, 8);
  header.writeUInt16BE(16 * n - 16 * 2 ** log2, 10);
  const bodies: Buffer[] = [];
  let offset = header.length;
  let headAt = 0;
  tags.forEach((tag, i) => {
    const b = data.get(tag)!;
    const r = 12 + 16 * i;
    header.write(tag, r, 'latin1');
    header.writeUInt32BE(checksum(b), r + 4);
    header.writeUInt32BE(offset, r + 8);
    header.writeUInt32BE(b.length, r + 12);
    if (tag === 'head') headAt = offset;
    bodies.push(b, Buffer.alloc(align4(b.length) - b.length));
    offset += align4(b.length);
  });
  const out = Buffer.concat([header, ...bodies]);
  out.writeUInt32BE((0xb1b0afba - checksum(out)) >>> 0, headAt + 8);
  return out;
}
