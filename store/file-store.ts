import { createHash } from 'node:crypto';
import { GridFSBucket, MongoServerError, type Db } from 'mongodb';
import { LienthongError } from '../schemas/errors';
import type { FileRef } from '../schemas/document';
import { ExchangeCollections } from '../schemas/document';

const PREFIX = 'gridfs:';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Document bytes in MongoDB GridFS, content-addressed: the file id is its SHA-256, so storing the same bytes twice
 * (a retried activity) has one effect and a reference always names exactly one content.
 */
export class FileStore {
  private readonly bucket: GridFSBucket;
  constructor(db: Db) {
    this.bucket = new GridFSBucket(db, { bucketName: ExchangeCollections.files });
  }

  async put(bytes: Uint8Array, meta: { fileName: string; contentType?: string }): Promise<FileRef> {
    const sha256 = sha256Hex(bytes);
    const id = `sha256-${sha256}`;
    const ref: FileRef = { ref: `${PREFIX}${id}`, sha256, size: bytes.length };
    const existing = await this.bucket
      .find({ _id: id as never })
      .limit(1)
      .toArray();
    if (existing.length > 0 && existing[0]!.length === bytes.length) return ref;
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
    return bytes;
  }
}
