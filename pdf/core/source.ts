import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { PdfError } from './errors';

/**
 * Random-access byte source: a PDF on disk (read through a file handle, never loaded whole) or in memory.
 * Large documents are read in windows so memory stays proportional to the structures parsed, not the file.
 */
export interface ByteSource {
  readonly size: number;
  /** Reads up to `length` bytes at `offset` (fewer at end of file). */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Input accepted by the public API: a file path or the whole document in memory. */
export type PdfInput = string | Uint8Array;

class BufferSource implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const start = Math.max(0, Math.min(offset, this.bytes.length));
    return this.bytes.subarray(start, Math.min(this.bytes.length, start + Math.max(0, length)));
  }
  async close(): Promise<void> {}
}

class FileSource implements ByteSource {
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}
  async read(offset: number, length: number): Promise<Uint8Array> {
    const start = Math.max(0, Math.min(offset, this.size));
    const n = Math.min(this.size - start, Math.max(0, length));
    const buf = Buffer.allocUnsafe(n);
    return buf.subarray(0, await this.readInto(buf, start, n));
  }
  /** Fills `buf[0, n)` from `offset`; returns the bytes read (fewer only at end of file). */
  async readInto(buf: Buffer, offset: number, n: number): Promise<number> {
    let done = 0;
    while (done < n) {
      const { bytesRead } = await this.fh.read(buf, done, n - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }
  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Opens a byte source over a path or buffer. Throws `PdfError('IO_ERROR')` if the file cannot be opened. */
export async function openSource(input: PdfInput): Promise<ByteSource> {
  if (typeof input !== 'string') return new BufferSource(input);
  try {
    const fh = await open(input, 'r');
    const { size } = await fh.stat();
    return new FileSource(fh, size);
  } catch (err) {
    throw new PdfError('IO_ERROR', `cannot open ${input}: ${(err as Error).message}`, { cause: err });
  }
}

const CHUNK = 1 << 20;
/** Files are hashed through one reused buffer: a fresh buffer per chunk cost more (allocation, GC) than the hash. */
const FILE_CHUNK = 4 << 20;

/** Feeds `[offset, offset + length)` of the source into `hash` in chunks (streaming, bounded memory). */
export async function hashRange(src: ByteSource, hash: Hash, offset: number, length: number): Promise<void> {
  let pos = offset;
  const end = offset + length;
  if (src instanceof FileSource && offset >= 0) {
    const buf = Buffer.allocUnsafe(Math.min(FILE_CHUNK, Math.max(0, end - pos)));
    while (pos < end) {
      const n = await src.readInto(buf, pos, Math.min(buf.length, end - pos));
      if (n === 0) throw new PdfError('MALFORMED_PDF', `range ends beyond end of file at ${pos}`);
      // update() consumes the bytes before returning, so the buffer can be refilled.
      hash.update(buf.subarray(0, n));
      pos += n;
    }
    return;
  }
  while (pos < end) {
    const chunk = await src.read(pos, Math.min(CHUNK, end - pos));
    if (chunk.length === 0) throw new PdfError('MALFORMED_PDF', `range ends beyond end of file at ${pos}`);
    hash.update(chunk);
    pos += chunk.length;
  }
}

/** Node hash name for a CMS/PDF digest algorithm name. */
export function nodeHashName(alg: DigestAlgorithm): string {
  return NODE_HASH[alg];
}

/** SHA-1, SHA-2 (FIPS 180-4) and SHA-3 (FIPS 202) hashes with a fixed output length. */
export type DigestAlgorithm =
  'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SHA3-256' | 'SHA3-384' | 'SHA3-512';

const NODE_HASH: Record<DigestAlgorithm, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA3-256': 'sha3-256',
  'SHA3-384': 'sha3-384',
  'SHA3-512': 'sha3-512',
};

/** Digest of the byte ranges `[[offset, length], ...]` of a source, read in streaming fashion. */
export async function digestRanges(
  src: ByteSource,
  ranges: ReadonlyArray<readonly [number, number]>,
  alg: DigestAlgorithm,
): Promise<Uint8Array> {
  const h = createHash(nodeHashName(alg));
  for (const [off, len] of ranges) await hashRange(src, h, off, len);
  return h.digest();
}

/** Concatenation of two sources (the original file followed by an appended incremental section). */
export class ConcatSource implements ByteSource {
  constructor(
    private readonly a: ByteSource,
    private readonly b: ByteSource,
  ) {}
  get size(): number {
    return this.a.size + this.b.size;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    const end = Math.min(this.size, offset + length);
    if (offset < this.a.size) parts.push(await this.a.read(offset, Math.min(end, this.a.size) - offset));
    if (end > this.a.size) {
      const bo = Math.max(0, offset - this.a.size);
      parts.push(await this.b.read(bo, end - this.a.size - bo));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
  async close(): Promise<void> {}
}

/**
 * The same bytes as a Buffer without copying (Buffer.from(uint8array) copies): the whole-file scans for %%EOF and
 * endstream copied every chunk of a large file once more.
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads for a sequential scan that is done with each chunk before reading the next: from a file, every call
 * refills one buffer (so it must not be kept); from memory, a view. Scanning a large file for markers otherwise
 * allocated a new buffer per chunk, and peak RSS grew with the file until the collector caught up.
 */
export function chunkReader(
  src: ByteSource,
  maxLength: number,
): (offset: number, length: number) => Promise<Buffer> {
  if (src instanceof FileSource) {
    const file = src;
    const buf = Buffer.allocUnsafe(Math.max(0, Math.min(maxLength, file.size)));
    return async (offset, length) => {
      const start = Math.max(0, Math.min(offset, file.size));
      const n = Math.min(file.size - start, Math.max(0, length), buf.length);
      return buf.subarray(0, await file.readInto(buf, start, n));
    };
  }
  return async (offset, length) => asBuffer(await src.read(offset, length));
}

/** Wraps a buffer as a source (for appended sections and tests). */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return new BufferSource(bytes);
}
