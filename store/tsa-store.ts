import { randomBytes } from 'node:crypto';
import { Binary, MongoServerError, type Db } from 'mongodb';
import {
  createKeySigner,
  decryptPrivateKey,
  encryptPrivateKey,
  generateKeyPair,
  type KeyAlgorithmName,
} from '../pki';
import { DEFAULT_RENEWAL_WINDOW_DAYS, isRenewalDue } from '../pki/tsa/archive-policy';
import { issueTsaCertificate } from '../pki/tsa/profile';
import type { TsaCredentials } from '../pki/tsa/token';
import type { PkiStore } from './pki-store';

/**
 * The TSA's key and certificate chain: the current unit (`_id` 'current') and the units it replaced at each key
 * rollover (`_id` 'retired:<createdAt>'), kept so that the history of the TSA's certificates stays on record.
 */
interface TsaDoc {
  _id: string;
  chain: Binary[];
  encryptedKey: Binary;
  notAfter: Date;
  createdAt: Date;
}

/** One issued serial number, recorded before the token is signed so that it is never used twice. */
interface TsaSerialDoc {
  _id: string;
  genTime: Date;
  imprintAlgorithm: string;
  imprint: string;
}

export interface TsaStoreOptions {
  passphrase: string;
  keyAlgorithm?: KeyAlgorithmName;
  /** Lifetime of the TSA certificate; default 5 years. */
  validityYears?: number;
  /**
   * Key rollover: a new key and certificate once the current certificate expires within this many days (default
   * {@link DEFAULT_RENEWAL_WINDOW_DAYS}, the archive policy window). Must be shorter than the validity.
   */
  rolloverWindowDays?: number;
}

const toBytes = (b: Binary): Uint8Array => new Uint8Array(b.buffer);
const isDuplicateKey = (err: unknown) => err instanceof MongoServerError && err.code === 11000;

/**
 * The province time-stamp authority's state in MongoDB: its key (encrypted at rest like every key of the CA) and
 * certificate issued by the issuing CA, and the register of serial numbers (`tsa_serials`), whose unique `_id`
 * guarantees a serial is used once, across processes and restarts.
 */
export class TsaStore {
  private cached?: { credentials: TsaCredentials; notAfter: Date };

  constructor(
    private readonly db: Db,
    private readonly pki: PkiStore,
    private readonly options: TsaStoreOptions,
  ) {}

  private get units() {
    return this.db.collection<TsaDoc>('tsa_units');
  }
  private get serials() {
    return this.db.collection<TsaSerialDoc>('tsa_serials');
  }

  private get window(): number {
    return this.options.rolloverWindowDays ?? DEFAULT_RENEWAL_WINDOW_DAYS;
  }

  /**
   * The current key and certificate at `now`: created on first use, and rolled over (a new key, a new certificate
   * from the issuing CA) once the certificate expires within the rollover window. Idempotent and safe when two
   * processes race; a process that cached the old unit rereads the store when its own window opens.
   */
  async credentials(now: Date): Promise<TsaCredentials> {
    const cached = this.cached;
    if (cached && !isRenewalDue(cached.notAfter, now, this.window)) return cached.credentials;
    let doc = await this.units.findOne({ _id: 'current' });
    if (!doc) doc = await this.create(now);
    else if (isRenewalDue(doc.notAfter, now, this.window)) doc = await this.rollOver(doc, now);
    const chain = doc.chain.map(toBytes);
    const key = decryptPrivateKey(toBytes(doc.encryptedKey), this.options.passphrase);
    this.cached = { credentials: { signer: createKeySigner(key, chain), chain }, notAfter: doc.notAfter };
    return this.cached.credentials;
  }

  /** DER certificate of the TSA (published at /pki/ca/tsa.cer): the current one, after any rollover due. */
  async certificate(now: Date): Promise<Uint8Array> {
    return (await this.credentials(now)).chain[0]!;
  }

  /** Every certificate the TSA has had, newest first (the current one, then those retired by rollovers). */
  async certificateHistory(): Promise<{ certificate: Uint8Array; notAfter: Date; current: boolean }[]> {
    const docs = await this.units.find({}).toArray();
    return docs
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .map((d) => ({
        certificate: toBytes(d.chain[0]!),
        notAfter: d.notAfter,
        current: d._id === 'current',
      }));
  }

  /**
   * Replaces the current unit by a fresh one. The swap is conditional on the unit still being the one read, so
   * of two racing processes one wins and the other adopts its unit. The old unit is kept as retired: tokens it
   * signed carry its certificate and keep verifying; its key is never used again.
   */
  private async rollOver(old: TsaDoc, now: Date): Promise<TsaDoc> {
    const next = await this.newUnit(now);
    const swapped = await this.units.replaceOne({ _id: 'current', createdAt: old.createdAt }, next);
    if (swapped.modifiedCount === 0) return (await this.units.findOne({ _id: 'current' }))!;
    await this.units
      .insertOne({ ...old, _id: `retired:${old.createdAt.toISOString()}` })
      .catch((err: unknown) => {
        if (!isDuplicateKey(err)) throw err;
      });
    return next;
  }

  private async create(now: Date): Promise<TsaDoc> {
    const doc = await this.newUnit(now);
    try {
      await this.units.insertOne(doc);
      return doc;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return (await this.units.findOne({ _id: 'current' }))!;
    }
  }

  /** A new key pair and its TSA certificate from the issuing CA, valid from `now`. */
  private async newUnit(now: Date): Promise<TsaDoc> {
    const keys = await generateKeyPair(this.options.keyAlgorithm ?? 'rsa2048');
    const notAfter = new Date(now);
    notAfter.setUTCFullYear(notAfter.getUTCFullYear() + (this.options.validityYears ?? 5));
    const { chain } = await this.pki.issueWithIssuingCa((issuer, urls) =>
      issueTsaCertificate({
        commonName: 'Lienthong TSA (phát triển)',
        organisation: 'Lienthong Development PKI',
        subjectPublicKey: keys.publicKey,
        issuer,
        notBefore: now,
        notAfter,
        ...urls,
      }),
    );
    return {
      _id: 'current',
      chain: chain.map((c) => new Binary(c)),
      encryptedKey: new Binary(encryptPrivateKey(keys.privateKey, this.options.passphrase)),
      notAfter,
      createdAt: now,
    };
  }

  /**
   * Allocates a serial number never issued before: 4 bytes of genTime seconds and 8 random bytes (positive), made
   * unique by inserting it as the `_id` of `tsa_serials` (a collision is retried). The record stays: a serial is
   * burnt even when signing then fails.
   */
  async allocateSerial(genTime: Date, imprint: { algorithm: string; hex: string }): Promise<Uint8Array> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const serial = Buffer.alloc(12);
      serial.writeUInt32BE(Math.floor(genTime.getTime() / 1000) >>> 0, 0);
      randomBytes(8).copy(serial, 4);
      serial[0] = (serial[0]! & 0x7f) | 0x01;
      const hex = serial.toString('hex');
      try {
        await this.serials.insertOne({
          _id: hex,
          genTime,
          imprintAlgorithm: imprint.algorithm,
          imprint: imprint.hex,
        });
        return serial;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new Error('could not allocate a unique TSA serial number');
  }
}
