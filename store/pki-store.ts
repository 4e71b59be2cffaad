import { X509Certificate, type KeyObject } from 'node:crypto';
import { Binary, MongoServerError, type Db } from 'mongodb';
import {
  createCrl,
  createIssuingCa,
  createRootCa,
  decryptPrivateKey,
  describeCertificate,
  describeName,
  encryptPrivateKey,
  generateKeyPair,
  issueEndEntity,
  signerFromEncryptedPkcs8,
  type CaCredentials,
  type CrlReason,
  type KeyAlgorithmName,
  type Signer,
} from '../pki';
import type { Config } from '../schemas/config';
import { LienthongError } from '../schemas/errors';
import type { Agency, User } from '../schemas/identity';
import { crlCacheOf } from './crl-cache';
import { TsaStore } from './tsa-store';

export type KeyRef =
  { agency: string; profile: 'organisation' } | { agency: string; profile: 'personal'; username: string };

export interface TrustMaterial {
  anchors: Uint8Array[];
  intermediates: Uint8Array[];
  crls: Uint8Array[];
}

export type CaName = 'root' | 'issuing';

export interface CertificateRecord {
  serialHex: string;
  agency: string;
  profile: 'organisation' | 'personal';
  username?: string;
  subject: string;
  certificate: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  status: 'active' | 'revoked';
  revokedAt?: Date;
  revocationReason?: CrlReason;
  /** 'server': key encrypted in the server key store; 'subscriber': the subscriber holds it (token, PKCS#12). */
  keyHolder: 'server' | 'subscriber';
  /**
   * An imported key waiting for an administrator's explicit choice: never picked as the holder's signing or
   * sealing key until selected (issue 12, finding 4).
   */
  standby?: boolean;
  createdAt: Date;
}

interface CaDoc {
  _id: CaName;
  certificate: Binary;
  encryptedKey: Binary;
  subject: string;
  crlNumber: number;
  createdAt: Date;
}

interface CertificateDoc extends Omit<CertificateRecord, 'certificate'> {
  _id: string;
  certificate: Binary;
  encryptedKey?: Binary;
  /** Issuer chain of an imported certificate (ours are chained to the local CA). */
  chain?: Binary[];
}

export interface IssueRequest {
  agency: string;
  profile: 'organisation' | 'personal';
  username?: string;
  commonName: string;
  organisation: string;
  title?: string;
  locality?: string;
  organisationalUnit?: string;
}

interface CrlDoc {
  _id: CaName;
  der: Binary;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
}

export interface PkiStoreOptions {
  /** Encrypts every private key at rest (PKCS#8 PBES2, AES-256-CBC). */
  passphrase: string;
  /** Public base URL under which `/pki/crl/<ca>.crl` and `/pki/ca/<ca>.cer` are served. */
  crlBaseUrl: string;
  keyAlgorithm?: KeyAlgorithmName;
  /** Lifetime of a CRL (nextUpdate − thisUpdate); default 7 days. */
  crlValidityMs?: number;
  /** Certificate lifetimes; defaults: CA 20 years, end entity 5 years. */
  caValidityYears?: number;
  endEntityValidityYears?: number;
}

/** The PKI store of a process, from its configuration. */
export function pkiStoreFromConfig(db: Db, config: Config): PkiStore {
  if (!config.keystorePassphrase) throw new Error('LIENTHONG_KEYSTORE_PASSPHRASE is required');
  return new PkiStore(db, {
    passphrase: config.keystorePassphrase,
    crlBaseUrl: config.http.publicBaseUrl,
    keyAlgorithm: config.pki.keyAlgorithm,
  });
}

const toBytes = (b: Binary | Uint8Array): Uint8Array => (b instanceof Binary ? new Uint8Array(b.buffer) : b);
const addYears = (d: Date, years: number) =>
  new Date(Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate()));
const isDuplicateKey = (err: unknown) => err instanceof MongoServerError && err.code === 11000;

/**
 * The province CA (a development stand-in for the Government Cipher Committee's specialised CA) on MongoDB:
 * root and issuing CA, server-held end-entity keys encrypted at rest, revocation and CRLs.
 */
export class PkiStore {
  private readonly crlValidityMs: number;
  /** CA certificates read so far (see caCertificate). */
  private readonly caCertificates = new Map<CaName, Uint8Array>();
  private tsaStore?: TsaStore;

  constructor(
    private readonly db: Db,
    private readonly options: PkiStoreOptions,
  ) {
    this.crlValidityMs = options.crlValidityMs ?? 7 * 24 * 3600 * 1000;
  }

  private get cas() {
    return this.db.collection<CaDoc>('ca_authorities');
  }
  private get certs() {
    return this.db.collection<CertificateDoc>('certificates');
  }
  private get crlDocs() {
    return this.db.collection<CrlDoc>('crls');
  }

  /** The province time-stamp authority, whose key is protected like the CA's (see store/tsa-store.ts). */
  tsa(): TsaStore {
    this.tsaStore ??= new TsaStore(this.db, this, {
      passphrase: this.options.passphrase,
      keyAlgorithm: this.options.keyAlgorithm,
    });
    return this.tsaStore;
  }

  crlUrl(ca: CaName): string {
    return `${this.options.crlBaseUrl.replace(/\/$/, '')}/pki/crl/${ca}.crl`;
  }
  caCertUrl(ca: CaName): string {
    return `${this.options.crlBaseUrl.replace(/\/$/, '')}/pki/ca/${ca}.cer`;
  }

  private async loadCa(name: CaName): Promise<CaDoc | null> {
    return this.cas.findOne({ _id: name });
  }

  private credentials(doc: CaDoc): CaCredentials {
    return {
      certificate: toBytes(doc.certificate),
      privateKey: decryptPrivateKey(toBytes(doc.encryptedKey), this.options.passphrase),
    };
  }

  /** Creates the root and issuing CA once (idempotent, safe when two processes race). */
  async ensureCa(now: Date): Promise<void> {
    const years = this.options.caValidityYears ?? 20;
    const keyAlgorithm = this.options.keyAlgorithm ?? 'rsa2048';
    let root = await this.loadCa('root');
    if (!root) {
      const ca = await createRootCa({
        subject: [
          { type: 'C', value: 'VN' },
          { type: 'O', value: 'Lienthong Development PKI' },
          { type: 'CN', value: 'Lienthong Root CA (phát triển)' },
        ],
        notBefore: now,
        notAfter: addYears(now, years),
        keyAlgorithm,
      });
      root = await this.insertCa('root', ca.certificate, ca.privateKey, now);
    }
    if (!(await this.loadCa('issuing'))) {
      const ca = await createIssuingCa({
        subject: [
          { type: 'C', value: 'VN' },
          { type: 'O', value: 'Lienthong Development PKI' },
          { type: 'CN', value: 'Lienthong Issuing CA (phát triển)' },
        ],
        issuer: this.credentials(root),
        notBefore: now,
        notAfter: addYears(now, years - 1),
        keyAlgorithm,
        crlUrl: this.crlUrl('root'),
        caIssuersUrl: this.caCertUrl('root'),
      });
      await this.insertCa('issuing', ca.certificate, ca.privateKey, now);
    }
  }

  private async insertCa(
    name: CaName,
    certificate: Uint8Array,
    privateKey: Parameters<typeof encryptPrivateKey>[0],
    now: Date,
  ): Promise<CaDoc> {
    const doc: CaDoc = {
      _id: name,
      certificate: new Binary(certificate),
      encryptedKey: new Binary(encryptPrivateKey(privateKey, this.options.passphrase)),
      subject: describeName(certificate),
      crlNumber: 0,
      createdAt: now,
    };
    try {
      await this.cas.insertOne(doc);
      return doc;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return (await this.loadCa(name))!;
    }
  }

  async isInitialised(): Promise<boolean> {
    return (await this.cas.countDocuments({})) === 2;
  }

  /**
   * DER certificate of a CA, remembered once read: a CA's certificate is written once (ensureCa) and never changed,
   * and every signature and every verification on receipt asks for both.
   * @throws LienthongError NOT_FOUND before ensureCa.
   */
  async caCertificate(name: CaName): Promise<Uint8Array> {
    const known = this.caCertificates.get(name);
    if (known) return known.slice();
    const doc = await this.loadCa(name);
    if (!doc) throw new LienthongError('NOT_FOUND', `CA ${name} is not initialised`);
    const der = toBytes(doc.certificate);
    this.caCertificates.set(name, der.slice());
    return der;
  }

  /**
   * Issues a certificate with the issuing CA for a profile built elsewhere (the TSA's, pki/tsa/profile.ts); the CA
   * key never leaves this store. Returns the certificate and its chain (certificate, issuing CA).
   * @throws LienthongError CONFLICT before ensureCa.
   */
  async issueWithIssuingCa(
    build: (
      issuer: CaCredentials,
      urls: { crlUrl: string; caIssuersUrl: string },
    ) => { certificate: Uint8Array },
  ): Promise<{ certificate: Uint8Array; chain: Uint8Array[] }> {
    const issuing = await this.loadCa('issuing');
    if (!issuing) throw new LienthongError('CONFLICT', 'the CA is not initialised (run pki ca init)');
    const { certificate } = build(this.credentials(issuing), {
      crlUrl: this.crlUrl('issuing'),
      caIssuersUrl: this.caCertUrl('issuing'),
    });
    return { certificate, chain: [certificate, toBytes(issuing.certificate)] };
  }

  /** Issues an end-entity certificate whose key the server keeps (encrypted). */
  async issueServerHeld(req: IssueRequest, now: Date): Promise<CertificateRecord> {
    return (await this.issue(req, now, 'server')).record;
  }

  /**
   * Issues an end-entity certificate. With `keyHolder` 'subscriber' the private key is returned to the caller
   * (to hand over as an encrypted PKCS#12) and not kept; with 'server' it is stored encrypted.
   */
  async issue(
    req: IssueRequest,
    now: Date,
    keyHolder: 'server' | 'subscriber',
  ): Promise<{ record: CertificateRecord; privateKey: KeyObject; chain: Uint8Array[] }> {
    const issuing = await this.loadCa('issuing');
    const root = await this.loadCa('root');
    if (!issuing || !root)
      throw new LienthongError('CONFLICT', 'the CA is not initialised (run pki ca init)');
    const keys = await generateKeyPair(this.options.keyAlgorithm ?? 'rsa2048');
    const notAfter = addYears(now, this.options.endEntityValidityYears ?? 5);
    const issued = issueEndEntity({
      profile: req.profile,
      subject: {
        cn: req.commonName,
        o: req.organisation,
        ou: req.organisationalUnit ?? (req.profile === 'organisation' ? req.agency : undefined),
        l: req.locality,
        title: req.title,
      },
      subjectPublicKey: keys.publicKey,
      issuer: this.credentials(issuing),
      notBefore: now,
      notAfter,
      crlUrl: this.crlUrl('issuing'),
      caIssuersUrl: this.caCertUrl('issuing'),
    });
    const doc: CertificateDoc = {
      _id: issued.serialHex,
      serialHex: issued.serialHex,
      agency: req.agency,
      profile: req.profile,
      username: req.username,
      subject: describeName(issued.certificate),
      certificate: new Binary(issued.certificate),
      encryptedKey:
        keyHolder === 'server'
          ? new Binary(encryptPrivateKey(keys.privateKey, this.options.passphrase))
          : undefined,
      notBefore: now,
      notAfter,
      status: 'active',
      keyHolder,
      createdAt: now,
    };
    if (!doc.encryptedKey) delete doc.encryptedKey;
    await this.certs.insertOne(doc);
    return {
      record: toRecord(doc),
      privateKey: keys.privateKey,
      chain: [issued.certificate, toBytes(issuing.certificate), toBytes(root.certificate)],
    };
  }

  /**
   * Keeps an existing certificate and key (e.g. a PKCS#12 issued on a token by the real CA) in the server key
   * store, encrypted. `chain` is the certificate first, then its issuers. The caller has validated it (path, time,
   * revocation, key usage, holder). Unless `select` is set the key is kept on standby: it becomes the holder's
   * signing (or the agency's sealing) key only through {@link selectImported}. A certificate we issued to a
   * subscriber (PKCS#12 delivery) is upgraded in place.
   * @throws LienthongError DOMAIN_VALIDATION when the key does not match the certificate, CERT_REVOKED for a
   * certificate we revoked, CONFLICT when it is already server-held or belongs to another holder.
   */
  async importServerHeld(
    ref: KeyRef,
    privateKey: KeyObject,
    chain: Uint8Array[],
    now: Date,
    options: { select?: boolean } = {},
  ): Promise<CertificateRecord> {
    const [certificate, ...issuers] = chain;
    const summary = describeCertificate(certificate);
    if (!new X509Certificate(Buffer.from(certificate)).checkPrivateKey(privateKey)) {
      throw new LienthongError('DOMAIN_VALIDATION', 'the private key does not belong to the certificate');
    }
    const encryptedKey = new Binary(encryptPrivateKey(privateKey, this.options.passphrase));
    const username = ref.profile === 'personal' ? ref.username : undefined;
    const standby = !options.select;
    const known = await this.certs.findOne({ _id: summary.serialHex });
    if (known) {
      if (known.status === 'revoked')
        throw new LienthongError('CERT_REVOKED', `certificate ${summary.serialHex} is revoked`);
      if (known.keyHolder === 'server')
        throw new LienthongError('CONFLICT', `certificate ${summary.serialHex} is already stored`);
      if (known.agency !== ref.agency || known.profile !== ref.profile || known.username !== username)
        throw new LienthongError('CONFLICT', `certificate ${summary.serialHex} was issued to another holder`);
      const res = await this.certs.updateOne(
        { _id: known._id, keyHolder: 'subscriber', status: 'active' },
        { $set: { keyHolder: 'server', encryptedKey, standby } },
      );
      if (res.modifiedCount !== 1)
        throw new LienthongError('CONFLICT', `certificate ${summary.serialHex} changed concurrently`);
      return toRecord((await this.certs.findOne({ _id: known._id }))!);
    }
    const doc: CertificateDoc = {
      _id: summary.serialHex,
      serialHex: summary.serialHex,
      agency: ref.agency,
      profile: ref.profile,
      username,
      subject: summary.subject,
      certificate: new Binary(certificate),
      encryptedKey,
      chain: issuers.map((c) => new Binary(c)),
      notBefore: summary.notBefore,
      notAfter: summary.notAfter,
      status: 'active',
      keyHolder: 'server',
      standby,
      createdAt: now,
    };
    if (!doc.username) delete doc.username;
    try {
      await this.certs.insertOne(doc);
    } catch (err) {
      if (isDuplicateKey(err))
        throw new LienthongError('CONFLICT', `certificate ${summary.serialHex} is already stored`);
      throw err;
    }
    return toRecord(doc);
  }

  /**
   * Makes an imported standby key the holder's signing (or the agency's sealing) key: the newest active one wins.
   * @throws LienthongError NOT_FOUND, or WRONG_STATE when it is revoked or not on standby.
   */
  async selectImported(serialHex: string): Promise<CertificateRecord> {
    const serial = serialHex.toLowerCase();
    const res = await this.certs.updateOne(
      { _id: serial, status: 'active', standby: true },
      { $set: { standby: false } },
    );
    const doc = await this.certs.findOne({ _id: serial });
    if (!doc) throw new LienthongError('NOT_FOUND', `no certificate with serial ${serial}`);
    if (res.modifiedCount !== 1)
      throw new LienthongError('WRONG_STATE', `certificate ${serial} is not an active key on standby`);
    return toRecord(doc);
  }

  /**
   * Gives an agency its organisation certificate (held by its clerk) and each signer a personal certificate,
   * unless they already hold an active one (idempotent).
   */
  async ensureAgencyCertificates(agency: Agency, signers: User[], now: Date): Promise<void> {
    if (!(await this.activeRecord({ agency: agency.code, profile: 'organisation' }, now))) {
      await this.issueServerHeld(
        {
          agency: agency.code,
          profile: 'organisation',
          commonName: agency.name,
          organisation: agency.name,
          locality: agency.place,
        },
        now,
      );
    }
    for (const user of signers) {
      const ref = { agency: agency.code, profile: 'personal' as const, username: user.username };
      if (await this.activeRecord(ref, now)) continue;
      await this.issueServerHeld(
        {
          agency: agency.code,
          profile: 'personal',
          username: user.username,
          commonName: user.fullName,
          organisation: agency.name,
          title: user.title,
          locality: agency.place,
        },
        now,
      );
    }
  }

  private refFilter(ref: KeyRef) {
    return ref.profile === 'personal'
      ? { agency: ref.agency, profile: ref.profile, username: ref.username }
      : { agency: ref.agency, profile: ref.profile };
  }

  private async activeRecord(ref: KeyRef, now: Date): Promise<CertificateDoc | null> {
    return this.certs
      .find({
        ...this.refFilter(ref),
        status: 'active',
        standby: { $ne: true },
        notBefore: { $lte: now },
        notAfter: { $gt: now },
      })
      .sort({ notBefore: -1 })
      .limit(1)
      .next();
  }

  /** The active certificate for a key reference, or null. */
  async activeCertificate(ref: KeyRef, now: Date): Promise<CertificateRecord | null> {
    const doc = await this.activeRecord(ref, now);
    return doc ? toRecord(doc) : null;
  }

  async getCertificate(serialHex: string): Promise<CertificateRecord | null> {
    const doc = await this.certs.findOne({ _id: serialHex.toLowerCase() });
    return doc ? toRecord(doc) : null;
  }

  async listCertificates(
    filter: { agency?: string; status?: 'active' | 'revoked' } = {},
  ): Promise<CertificateRecord[]> {
    const q: Record<string, unknown> = {};
    if (filter.agency) q.agency = filter.agency;
    if (filter.status) q.status = filter.status;
    return (await this.certs.find(q).sort({ createdAt: 1 }).toArray()).map(toRecord);
  }

  /**
   * A Signer for the active server-held key of `ref`, with chain [end entity, issuing CA, root].
   * @throws LienthongError CERT_REVOKED when the holder's last certificate is revoked, CERT_NOT_FOUND otherwise.
   */
  async signerFor(ref: KeyRef, now: Date): Promise<Signer> {
    const doc = await this.activeRecord(ref, now);
    if (!doc) {
      const revoked = await this.certs.findOne({ ...this.refFilter(ref), status: 'revoked' });
      const who = ref.profile === 'personal' ? ref.username : `${ref.agency} (organisation)`;
      if (revoked) throw new LienthongError('CERT_REVOKED', `the certificate of ${who} is revoked`);
      throw new LienthongError('CERT_NOT_FOUND', `no active certificate for ${who}`);
    }
    if (!doc.encryptedKey)
      throw new LienthongError('CERT_NOT_FOUND', 'the key of this certificate is held by its subscriber');
    // An imported certificate carries its own issuers; ours chain to the local CA.
    const chain = doc.chain?.length
      ? [toBytes(doc.certificate), ...doc.chain.map(toBytes)]
      : [toBytes(doc.certificate), await this.caCertificate('issuing'), await this.caCertificate('root')];
    return signerFromEncryptedPkcs8(toBytes(doc.encryptedKey), this.options.passphrase, chain);
  }

  /** Revokes a certificate (idempotent: a second call keeps the first date and reason) and republishes the CRL. */
  async revoke(serialHex: string, reason: CrlReason, now: Date): Promise<CertificateRecord> {
    const serial = serialHex.toLowerCase();
    const res = await this.certs.updateOne(
      { _id: serial, status: 'active' },
      { $set: { status: 'revoked', revokedAt: now, revocationReason: reason } },
    );
    const doc = await this.certs.findOne({ _id: serial });
    if (!doc) throw new LienthongError('NOT_FOUND', `no certificate with serial ${serial}`);
    if (res.modifiedCount === 1) await this.publishCrl('issuing', now);
    return toRecord(doc);
  }

  /** Signs and stores a new CRL for `ca` with the next cRLNumber. */
  async publishCrl(ca: CaName, now: Date): Promise<Uint8Array> {
    const caDoc = await this.cas.findOneAndUpdate(
      { _id: ca },
      { $inc: { crlNumber: 1 } },
      { returnDocument: 'after' },
    );
    if (!caDoc) throw new LienthongError('NOT_FOUND', `CA ${ca} is not initialised`);
    const revoked =
      ca === 'issuing'
        ? (await this.certs.find({ status: 'revoked' }).toArray()).map((c) => ({
            serial: c.serialHex,
            date: c.revokedAt ?? now,
            reason: c.revocationReason,
          }))
        : [];
    const nextUpdate = new Date(now.getTime() + this.crlValidityMs);
    const der = createCrl({
      issuer: this.credentials(caDoc),
      crlNumber: caDoc.crlNumber,
      thisUpdate: now,
      nextUpdate,
      revoked,
    });
    // A concurrent publisher may have stored a higher number already; keep the newest.
    await this.crlDocs.updateOne(
      { _id: ca, crlNumber: { $lt: caDoc.crlNumber } },
      { $set: { der: new Binary(der), crlNumber: caDoc.crlNumber, thisUpdate: now, nextUpdate } },
    );
    await this.crlDocs
      .insertOne({ _id: ca, der: new Binary(der), crlNumber: caDoc.crlNumber, thisUpdate: now, nextUpdate })
      .catch((err: unknown) => {
        if (!isDuplicateKey(err)) throw err;
      });
    crlCacheOf(this.db).keep(ca, { der, crlNumber: caDoc.crlNumber, nextUpdate });
    return der;
  }

  /**
   * The current CRL of `ca`, republished when missing or within a quarter of its lifetime of nextUpdate, so a
   * relying party never receives an expired CRL.
   */
  async currentCrl(ca: CaName, now: Date): Promise<Uint8Array> {
    const fresh = (nextUpdate: Date) => nextUpdate.getTime() - now.getTime() > this.crlValidityMs / 4;
    const kept = crlCacheOf(this.db).recent(ca);
    if (kept && fresh(kept.nextUpdate)) return kept.der;
    const doc = await this.crlDocs.findOne({ _id: ca });
    if (doc && fresh(doc.nextUpdate)) {
      const der = toBytes(doc.der);
      crlCacheOf(this.db).keep(ca, { der, crlNumber: doc.crlNumber, nextUpdate: doc.nextUpdate });
      return der;
    }
    return this.publishCrl(ca, now);
  }

  /** Current cRLNumber of each CA's last published CRL (0 when none yet). */
  async crlNumbers(): Promise<{ root: number; issuing: number }> {
    const docs = await this.crlDocs.find().toArray();
    const of = (ca: CaName) => docs.find((d) => d._id === ca)?.crlNumber ?? 0;
    return { root: of('root'), issuing: of('issuing') };
  }

  /** Active certificates that expire between `now` and `horizon`. */
  async expiringBefore(horizon: Date, now: Date): Promise<CertificateRecord[]> {
    const docs = await this.certs.find({ status: 'active', notAfter: { $gt: now, $lte: horizon } }).toArray();
    return docs.map(toRecord);
  }

  /** Trust anchors, intermediates and fresh CRLs for path validation at `now`. */
  async trustMaterial(now: Date): Promise<TrustMaterial> {
    // Side by side: every verification on receipt waits for these reads (the certificates are cached after the first).
    const [root, issuing, rootCrl, issuingCrl] = await Promise.all([
      this.caCertificate('root'),
      this.caCertificate('issuing'),
      this.currentCrl('root', now),
      this.currentCrl('issuing', now),
    ]);
    return { anchors: [root], intermediates: [issuing], crls: [rootCrl, issuingCrl] };
  }
}

function toRecord(doc: CertificateDoc): CertificateRecord {
  const { _id, encryptedKey: _k, chain: _c, certificate, ...rest } = doc;
  return { ...rest, certificate: toBytes(certificate) };
}
