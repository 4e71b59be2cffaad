import {
  completeSignature,
  prepareSignature,
  type AppearanceOptions,
  type PreparedSignatureState,
  type SignPdfOptions,
} from '../../pdf';
import { readSignatureBlock } from '../../pdf/decree30/block';
import type { FileRef, SignatureSubmission, SigningRequest } from '../../schemas/document';
import { LienthongError } from '../../schemas/errors';
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
  how: Pick<SignPdfOptions, 'reason' | 'fieldName'> & { imageOwner: SignatureImageOwner },
): Promise<FileRef> {
  return permanentAsFailure(async () => {
    const signer = await deps.pki.signerFor(key, deps.clock());
    const bytes = await files.get(input.file);
    const signed = await signWithAppearance(bytes, {
      reason: how.reason,
      fieldName: how.fieldName,
      appearance: await appearanceFor(deps, bytes, how.imageOwner),
      signer,
      signingTime: new Date(input.signingTime),
      location: input.location,
    });
    return files.put(signed, { fileName: input.fileName });
  });
}

/**
 * Deferred (two-phase) signing for a token holder: the server prepares the PDF, the token signs elsewhere, the
 * server embeds the result. Part of createSigningActivities; separate because nothing here holds a key.
 */
function createDeferredSigningActivities(deps: ExchangeActivityDeps, files: ExchangeContext['files']) {
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
        const result =
          'signatureValue' in input.submission
            ? { signatureValue: Buffer.from(input.submission.signatureValue, 'base64') }
            : { cms: Buffer.from(input.submission.cms, 'base64') };
        const signed = await completeSignature(prepared, input.state, result);
        return files.put(signed, { fileName: input.fileName });
      });
    },
  };
}

/** Signing activities: personal (server-held key or deferred to a token) and the organisation seal. */
export function createSigningActivities(
  deps: ExchangeActivityDeps,
  { files }: ExchangeContext = exchangeContext(deps),
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
        },
      );
    },

    ...createDeferredSigningActivities(deps, files),
  };
}
