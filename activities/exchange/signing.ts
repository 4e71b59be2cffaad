import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import {
  completeSignature,
  prepareSignature,
  type AppearanceOptions,
  type PreparedSignatureState,
  type SignPdfOptions,
  type SignatureResult,
} from '../../pdf';
import { readSignatureBlock } from '../../pdf/decree30/block';
import { addDocumentTimestamp } from '../../pdf/sign/document-timestamp';
import { appendDss } from '../../pdf/sign/dss';
import {
  SIGNATURE_TIMESTAMP_RESERVE,
  type TimestampTokenSource,
  addSignatureTimestamp,
  timestampedCms,
} from '../../pdf/sign/signature-timestamp';
import { gatherValidationMaterial } from '../../pdf/sign/validation-material';
import { parseSignedData } from '../../pdf/cms/parse-signed-data';
import { isPdfError } from '../../pdf/core/errors';
import { tokenReliesUntil } from '../../pki/tsa/archive-policy';
import { PROVINCE_TSA_POLICY, stampDigest } from '../../pki/tsa/authority';
import { fetchTimestamp } from '../../pki/tsa/client';
import {
  documentWorkflowId,
  type FileRef,
  type SignatureSubmission,
  type SigningRequest,
} from '../../schemas/document';
import { LienthongError } from '../../schemas/errors';
import { ArchiveIndex } from '../../store/archive-index';
import type { PkiStore } from '../../store/pki-store';
import { SignatureImageStore, type SignatureImageOwner } from '../../store/signature-image-store';
import {
  exchangeContext,
  permanentAsFailure,
  signWithAppearance,
  type ExchangeActivityDeps,
  type ExchangeContext,
  type StoredFileSigning,
} from './shared';

/**
 * PAdES level of the exchange's signatures (ETSI EN 319 142-1): 'B-T' time-stamps every personal and organisation
 * signature; 'B-LTA' also embeds, at issue, the validation material of every signature and time-stamp (/DSS) and a
 * document time-stamp over it, before dispatch; 'B-B' does neither.
 */
export interface LongTermSigning {
  level: 'B-B' | 'B-T' | 'B-LTA';
  /** An external RFC 3161 TSA; by default the province TSA of this stack signs in process (deps.pki.tsa()). */
  tsaUrl?: string;
}

/** Every exchanged document reaches B-LTA with the province TSA unless the composition root says otherwise. */
export const DEFAULT_LONG_TERM_SIGNING: LongTermSigning = { level: 'B-LTA' };

/** What the time-stamping steps read: the CA (CRLs, the province TSA) and the clock. */
type TimestampDeps = Pick<ExchangeActivityDeps, 'pki' | 'clock'>;

/** Where the exchange's time-stamp tokens come from: the external TSA, or the province TSA's key in this stack. */
export function timestampSource(deps: TimestampDeps, lt: LongTermSigning): TimestampTokenSource {
  const url = lt.tsaUrl;
  if (url) return async (digest, hash) => (await fetchTimestamp(url, digest, hash, fetch)).token;
  return async (digest, hash) => {
    const tsa = deps.pki.tsa();
    const now = deps.clock();
    return stampDigest(digest, hash, {
      credentials: await tsa.credentials(now),
      policy: PROVINCE_TSA_POLICY,
      now,
      allocateSerial: (genTime) =>
        tsa.allocateSerial(genTime, { algorithm: hash, hex: Buffer.from(digest).toString('hex') }),
    });
  };
}

/** A document with its new document time-stamp, and until when that time-stamp's certificates hold. */
export interface ArchiveTimestamped {
  bytes: Uint8Array;
  /** Earliest notAfter of the certificates the document time-stamp carries (pki/tsa/archive-policy.ts). */
  reliesUntil?: Date;
}

/**
 * B-LT then B-LTA (ETSI EN 319 142-1 6.4, 6.5): the /DSS with every certificate the signatures and their
 * time-stamps carry and the CAs' current CRLs, then a document time-stamp over it. Incremental: the signatures stay.
 * Also the archive renewal's step (activities/archive.ts): on a renewed file the /DSS then covers the earlier
 * document time-stamps too.
 */
export async function archiveTimestamp(
  deps: TimestampDeps,
  bytes: Uint8Array,
  source: TimestampTokenSource,
): Promise<ArchiveTimestamped> {
  const now = deps.clock();
  const crls = await Promise.all([deps.pki.currentCrl('issuing', now), deps.pki.currentCrl('root', now)]);
  const material = await gatherValidationMaterial(bytes, { crls, gatheredAt: now });
  let token: Uint8Array | undefined;
  const capture: TimestampTokenSource = async (digest, hash) => (token = await source(digest, hash));
  const stamped = await addDocumentTimestamp(await appendDss(bytes, material), { source: capture });
  // Assigned in the callback, which TypeScript's narrowing does not see.
  const got = token as Uint8Array | undefined;
  return { bytes: stamped, reliesUntil: got && tokenReliesUntil(got) };
}

/**
 * Indexes the document's archive copy for the renewal (store/archive-index.ts). The document is named by the
 * calling workflow's id (`doc:<agency>:<id>`); outside a document workflow there is nothing to renew.
 */
async function indexArchiveCopy(
  deps: ExchangeActivityDeps,
  input: StoredFileSigning,
  file: FileRef,
  reliesUntil: Date | undefined,
): Promise<void> {
  let workflowId: string | undefined;
  try {
    workflowId = Context.current().info.workflowExecution?.workflowId;
  } catch {
    return; // called outside an activity (a unit test of the signing step)
  }
  const prefix = documentWorkflowId(input.agency, '');
  if (!workflowId?.startsWith(prefix)) return;
  await new ArchiveIndex(deps.db).record({
    _id: workflowId,
    agency: input.agency,
    documentId: workflowId.slice(prefix.length),
    fileName: input.fileName,
    file,
    reliesUntil: reliesUntil ?? new Date(0),
    stampedAt: deps.clock(),
  });
}

/**
 * Where and with which image a signature shows (Decree 30/2020 Appendix I): a document drafted from the template
 * records its signature block, and the leader's signature image goes between its title and name lines, the seal
 * over the left third of that image. Other documents get the default places (pdf/sign/prepare.ts). Without a seal
 * image the organisation signature keeps its text appearance (agency and time) at the default place.
 */
async function appearanceFor(
  deps: ExchangeActivityDeps,
  bytes: Uint8Array,
  owner: SignatureImageOwner,
): Promise<AppearanceOptions> {
  const image = (await new SignatureImageStore(deps.db).png(owner)) ?? undefined;
  const block = await readSignatureBlock(bytes);
  if (owner.kind === 'signature')
    return block
      ? // The document prints the title and the name; without an image the signer's name fills the gap.
        {
          kind: 'personal',
          page: block.page,
          rect: block.image,
          image,
          title: '',
          name: image ? '' : undefined,
        }
      : { kind: 'personal', image };
  return block && image
    ? { kind: 'organisation', page: block.page, rect: block.seal, image }
    : { kind: 'organisation', image };
}

/** Signs a stored file with a server-held key and stores the result (both server-key signing activities). */
function signStored(
  deps: ExchangeActivityDeps,
  files: ExchangeContext['files'],
  input: StoredFileSigning,
  key: Parameters<PkiStore['signerFor']>[0],
  how: Pick<SignPdfOptions, 'reason' | 'fieldName'> & { imageOwner: SignatureImageOwner; archive?: boolean },
  lt: LongTermSigning,
): Promise<FileRef> {
  return permanentAsFailure(async () => {
    const signer = await deps.pki.signerFor(key, deps.clock());
    const bytes = await files.get(input.file);
    const source = lt.level === 'B-B' ? undefined : timestampSource(deps, lt);
    const signed = await signWithAppearance(bytes, {
      reason: how.reason,
      fieldName: how.fieldName,
      appearance: await appearanceFor(deps, bytes, how.imageOwner),
      signer,
      signingTime: new Date(input.signingTime),
      location: input.location,
      ...(source ? { signatureTimestamp: source } : {}),
    });
    if (!(how.archive && source && lt.level === 'B-LTA'))
      return files.put(signed, { fileName: input.fileName });
    const archived = await archiveTimestamp(deps, signed, source);
    const file = await files.put(archived.bytes, { fileName: input.fileName });
    await indexArchiveCopy(deps, input, file, archived.reliesUntil);
    return file;
  });
}

/**
 * The token's result with a signature time-stamp (B-T, fetched now that the signature value exists). A state
 * prepared without room for it (before B-T was configured) is completed at B-B: the document time-stamp at issue
 * still dates it.
 */
async function completeWithTimestamp(
  prepared: Uint8Array,
  state: PreparedSignatureState,
  submission: SignatureSubmission,
  source: TimestampTokenSource | undefined,
): Promise<Uint8Array> {
  const plain: SignatureResult =
    'signatureValue' in submission
      ? { signatureValue: Buffer.from(submission.signatureValue, 'base64') }
      : { cms: Buffer.from(submission.cms, 'base64') };
  if (!source) return completeSignature(prepared, state, plain);
  let cms: Uint8Array;
  if ('signatureValue' in plain) cms = await timestampedCms(state, plain.signatureValue, source);
  else {
    const value = parseSignedData(plain.cms).signerInfos[0]?.signature;
    if (!value) return completeSignature(prepared, state, plain);
    cms = addSignatureTimestamp(
      plain.cms,
      await source(createHash('sha256').update(value).digest(), 'SHA-256'),
    );
  }
  try {
    return await completeSignature(prepared, state, { cms });
  } catch (err) {
    if (!isPdfError(err) || err.code !== 'CONTENTS_TOO_SMALL') throw err;
    return completeSignature(prepared, state, plain);
  }
}

/**
 * Deferred (two-phase) signing for a token holder: the server prepares the PDF, the token signs elsewhere, the
 * server embeds the result. Part of createSigningActivities; separate because nothing here holds a key.
 */
function createDeferredSigningActivities(
  deps: ExchangeActivityDeps,
  files: ExchangeContext['files'],
  lt: LongTermSigning,
) {
  return {
    /** Phase one of deferred signing for a token holder: prepares the PDF and returns what to sign. */
    async prepareDeferredSigning(input: {
      agency: string;
      username: string;
      file: FileRef;
      fileName: string;
      signingTime: string;
    }): Promise<{ prepared: FileRef; state: PreparedSignatureState; request: SigningRequest }> {
      return permanentAsFailure(async () => {
        const now = deps.clock();
        const cert = await deps.pki.activeCertificate(
          { agency: input.agency, profile: 'personal', username: input.username },
          now,
        );
        if (!cert) throw new LienthongError('CERT_NOT_FOUND', `no active certificate for ${input.username}`);
        const chain = [
          cert.certificate,
          await deps.pki.caCertificate('issuing'),
          await deps.pki.caCertificate('root'),
        ];
        const bytes = await files.get(input.file);
        const p = await prepareSignature(bytes, {
          certificateChain: chain,
          signingTime: new Date(input.signingTime),
          reason: 'Ký duyệt văn bản',
          fieldName: `personal-${input.username}`,
          // The token signs the same picture a server-held key would: image in the block, or the default place.
          appearance: await appearanceFor(deps, bytes, {
            kind: 'signature',
            agency: input.agency,
            username: input.username,
          }),
          // Room for the signature time-stamp added when the token's signature arrives (B-T).
          ...(lt.level === 'B-B' ? {} : { contentsMargin: 512 + SIGNATURE_TIMESTAMP_RESERVE }),
        });
        const prepared = await files.put(p.prepared!, { fileName: `${input.fileName}.prepared` });
        return {
          prepared,
          state: p.state,
          request: {
            toBeSigned: Buffer.from(p.toBeSigned).toString('base64'),
            toBeSignedDigest: Buffer.from(p.toBeSignedDigest).toString('base64'),
            hash: p.state.scheme.hash,
            keyAlgorithm: p.state.scheme.keyAlgorithm,
            certificate: Buffer.from(cert.certificate).toString('base64'),
          },
        };
      });
    },

    /** Phase two: checks the token's signature against the prepared state and embeds it. */
    async completeDeferredSigning(input: {
      prepared: FileRef;
      state: PreparedSignatureState;
      submission: SignatureSubmission;
      fileName: string;
    }): Promise<FileRef> {
      return permanentAsFailure(async () => {
        const prepared = await files.get(input.prepared);
        const source = lt.level === 'B-B' ? undefined : timestampSource(deps, lt);
        const signed = await completeWithTimestamp(prepared, input.state, input.submission, source);
        return files.put(signed, { fileName: input.fileName });
      });
    },
  };
}

/**
 * Signing activities: personal (server-held key or deferred to a token) and the organisation seal, at the PAdES
 * level `lt` (default {@link DEFAULT_LONG_TERM_SIGNING}).
 */
export function createSigningActivities(
  deps: ExchangeActivityDeps,
  { files }: ExchangeContext = exchangeContext(deps),
  lt: LongTermSigning = DEFAULT_LONG_TERM_SIGNING,
) {
  return {
    /** Applies the signer's personal signature with the server-held key (one step). */
    async signPersonal(input: StoredFileSigning & { username: string }): Promise<FileRef> {
      return signStored(
        deps,
        files,
        input,
        { agency: input.agency, profile: 'personal', username: input.username },
        {
          reason: 'Ký duyệt văn bản',
          fieldName: `personal-${input.username}`,
          imageOwner: { kind: 'signature', agency: input.agency, username: input.username },
        },
        lt,
      );
    },

    /** Applies the issuing agency's organisation signature (the clerk's seal, Decree 30/2020 Art. 13). */
    async signOrganisation(input: StoredFileSigning): Promise<FileRef> {
      return signStored(
        deps,
        files,
        input,
        { agency: input.agency, profile: 'organisation' },
        {
          reason: 'Phát hành văn bản',
          fieldName: 'organisation',
          imageOwner: { kind: 'seal', agency: input.agency },
          // At issue, before dispatch: the material of every signature and a document time-stamp (B-LTA).
          archive: true,
        },
        lt,
      );
    },

    ...createDeferredSigningActivities(deps, files, lt),
  };
}
