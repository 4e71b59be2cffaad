import { createHash } from 'node:crypto';
import { GridFSBucket, MongoServerError, type Db } from 'mongodb';
import { LienthongError } from '../schemas/errors';
import type { FileRef } from '../schemas/document';
import { ExchangeCollections } from '../schemas/document';
import { perDatabase } from './per-database';

const PREFIX = 'gridfs:';

/** Bytes of recently stored or read files kept per process (see {@link RecentFiles}). */
const CACHE_BUDGET_BYTES = 64 * 1024 * 1024;
/** Larger files are not kept: one of them would push out everything else. */
const CACHE_MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * The bytes of files this process stored or read lately, least recently used dropped first. A file's id is its
 * SHA-256, so a kept copy can never be stale: an exchange reads one document five to fifteen times (signing,
 * sealing, dispatch, every recipient's copy), each a GridFS round trip of the file and of its chunks without this.
 * Copies go in and out, so a caller that changes its bytes changes nothing here.
 */
class RecentFiles {
  private readonly files = new Map<string, Uint8Array>();
  private bytes = 0;

  get(id: string): Uint8Array | undefined {
    const kept = this.files.get(id);
    if (!kept) return undefined;
    this.files.delete(id);
    this.files.set(id, kept); // most recently used last
    return Buffer.from(kept);
  }

  has(id: string): boolean {
    return this.files.has(id);
  }

  keep(id: string, bytes: Uint8Array): void {
    if (bytes.length > CACHE_MAX_FILE_BYTES || this.files.has(id)) return;
    this.files.set(id, Buffer.from(bytes));
    this.bytes += bytes.length;
    for (const [oldest, kept] of this.files) {
      if (this.bytes <= CACHE_BUDGET_BYTES) break;
      this.files.delete(oldest);
      this.bytes -= kept.length;
    }
  }
}

/** One cache per database handle: another database (a leaf node's, a test's) holds other files. */
const recentFilesOf = perDatabase(() => new RecentFiles());

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Document bytes in MongoDB GridFS, content-addressed: the file id is its SHA-256, so storing the same bytes twice
 * (a retried activity) has one effect and a reference always names exactly one content.
 */
export class FileStore {
  private readonly bucket: GridFSBucket;
  private readonly recent: RecentFiles;
  constructor(db: Db) {
    this.bucket = new GridFSBucket(db, { bucketName: ExchangeCollections.files });
    this.recent = recentFilesOf(db);
  }

  async put(bytes: Uint8Array, meta: { fileName: string; contentType?: string }): Promise<FileRef> {
    const sha256 = sha256Hex(bytes);
    const id = `sha256-${sha256}`;
    const ref: FileRef = { ref: `${PREFIX}${id}`, sha256, size: bytes.length };
    // Kept only once stored (or read back): then it is in the database.
    if (this.recent.has(id)) return ref;
    const existing = await this.bucket
      .find({ _id: id as never })
      .limit(1)
      .toArray();
    if (existing.length > 0 && existing[0]!.length === bytes.length) {
      this.recent.keep(id, bytes);
      return ref;
    }
    await new Promise<void>((resolve, reject) => {
      const stream = this.bucket.openUploadStreamWithId(id as never, meta.fileName, {
        metadata: { contentType: meta.contentType ?? 'application/pdf', sha256 },
      });
      stream.once('error', (err) => {
        if (err instanceof MongoServerError && err.code === 11000) resolve();
        else reject(err);
      });
      stream.once('finish', () => resolve());
      stream.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });
    this.recent.keep(id, bytes);
    return ref;
  }

  /**
   * The bytes of a stored file, checked against the reference's SHA-256.
   * @throws LienthongError NOT_FOUND when absent, HASH_FAILURE when the stored bytes do not match.
   */
  async get(file: FileRef): Promise<Uint8Array> {
    if (!file.ref.startsWith(PREFIX))
      throw new LienthongError('NOT_FOUND', `not a GridFS reference: ${file.ref}`);
    const id = file.ref.slice(PREFIX.length);
    const kept = this.recent.get(id);
    // The id is the SHA-256 of what was kept; a reference naming other content is checked below as ever.
    if (kept && id === `sha256-${file.sha256}`) return kept;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of this.bucket.openDownloadStream(id as never)) chunks.push(chunk as Buffer);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT' || /FileNotFound/i.test(String(err)))
        throw new LienthongError('NOT_FOUND', `file ${file.ref} is not stored`);
      throw err;
    }
    const bytes = Buffer.concat(chunks);
    if (sha256Hex(bytes) !== file.sha256)
      throw new LienthongError('HASH_FAILURE', `stored file ${file.ref} does not match its SHA-256`);
    this.recent.keep(id, bytes);
    return bytes;
  }
}
