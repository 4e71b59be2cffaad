import type { Db } from 'mongodb';
import type { FileRef } from '../schemas/document';
import { FileStore } from './file-store';

/** An agency's seal ("con dấu") or a person's signature image ("chữ ký"), as signing draws them. */
export type SignatureImageKind = 'seal' | 'signature';

/** Who an image belongs to: an agency (its seal) or a user of an agency (their signature). */
export type SignatureImageOwner =
  { kind: 'seal'; agency: string } | { kind: 'signature'; agency: string; username: string };

interface SignatureImageRecord {
  _id: string;
  kind: SignatureImageKind;
  agency: string;
  username?: string;
  file: FileRef;
  width: number;
  height: number;
  uploadedBy: string;
  uploadedAt: string;
}

export type SignatureImageInfo = Omit<SignatureImageRecord, '_id' | 'file'> & {
  sha256: string;
  size: number;
};

const COLLECTION = 'signature_images';

/** The record's key: reads are `_id` lookups (the one read FerretDB serves without a full pass). */
const keyOf = (o: SignatureImageOwner) =>
  o.kind === 'seal' ? `seal:${o.agency}` : `signature:${o.agency}:${o.username}`;

/**
 * Seal and signature images: the PNG bytes in GridFS through the FileStore (content-addressed), one record per
 * owner pointing at them. A new upload replaces the owner's image; documents already signed keep theirs (the
 * appearance is part of the signed bytes).
 */
export class SignatureImageStore {
  private readonly files: FileStore;
  constructor(private readonly db: Db) {
    this.files = new FileStore(db);
  }

  private get records() {
    return this.db.collection<SignatureImageRecord>(COLLECTION);
  }

  async put(
    owner: SignatureImageOwner,
    png: Uint8Array,
    meta: { width: number; height: number; uploadedBy: string; uploadedAt: string },
  ): Promise<SignatureImageInfo> {
    const file = await this.files.put(png, { fileName: `${keyOf(owner)}.png`, contentType: 'image/png' });
    const record: SignatureImageRecord = {
      _id: keyOf(owner),
      kind: owner.kind,
      agency: owner.agency,
      ...(owner.kind === 'signature' ? { username: owner.username } : {}),
      file,
      ...meta,
    };
    await this.records.replaceOne({ _id: record._id }, record, { upsert: true });
    return infoOf(record);
  }

  async info(owner: SignatureImageOwner): Promise<SignatureImageInfo | null> {
    const record = await this.records.findOne({ _id: keyOf(owner) });
    return record ? infoOf(record) : null;
  }

  /** The PNG bytes, or null when the owner has no image. */
  async png(owner: SignatureImageOwner): Promise<Buffer | null> {
    const record = await this.records.findOne({ _id: keyOf(owner) });
    return record ? Buffer.from(await this.files.get(record.file)) : null;
  }

  /** Removes the owner's image; true when there was one. The bytes stay in GridFS (content-addressed, shared). */
  async remove(owner: SignatureImageOwner): Promise<boolean> {
    return (await this.records.deleteOne({ _id: keyOf(owner) })).deletedCount === 1;
  }
}

function infoOf({ _id: _key, file, ...rest }: SignatureImageRecord): SignatureImageInfo {
  return { ...rest, sha256: file.sha256, size: file.size };
}
