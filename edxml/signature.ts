import { type KeyObject, X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import type { Signer } from '../pki/signer';
import { validatePath } from '../pki/validate';
import type { SignatureVerdict } from '../schemas/edxml-wire';
import {
  EdxmlError,
  XMLDSIG_NAMESPACE,
  type XElement,
  childElements,
  localName,
  parseXml,
  serialize,
} from './dom';
import { readEdxml } from './read';

/**
 * Enveloped XMLDSig of an edXML file: RSA-SHA256 over the whole document (Reference URI="", enveloped-signature and
 * exclusive C14N transforms), the Signature placed last in edXMLHeader and carrying the sender's certificate chain
 * in KeyInfo/X509Data. Verification accepts inclusive or exclusive C14N (xml-crypto handles both), checks that what
 * was signed contains the header as parsed, and validates the signer's certificate path with pki/validate.
 */

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

const toPem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;

/** The edXML document to sign, refused when it is not an envelope or is signed already. */
function checkSignable(xml: string): void {
  const doc = parseXml(xml);
  if (localName(doc.documentElement!) !== 'edXMLEnvelope')
    throw new EdxmlError('only an <edXMLEnvelope> can be signed', localName(doc.documentElement!));
  if (findSignature(doc.documentElement!)) throw new EdxmlError('the file is already signed', 'Signature');
}

/** A SignedXml set up for the enveloped signature of edXMLEnvelope, with `privateKey` given to the algorithm. */
function edxmlSigner(privateKey: string, certificates: Uint8Array[]): SignedXml {
  if (certificates.length === 0) throw new EdxmlError('signing needs the signer certificate');
  const sig = new SignedXml({
    privateKey,
    publicCert: toPem(certificates[0]!),
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
    getKeyInfoContent: ({ prefix }: { prefix?: string | null } = {}) => {
      const p = prefix ? `${prefix}:` : '';
      const certs = certificates.map(
        (c) => `<${p}X509Certificate>${Buffer.from(c).toString('base64')}</${p}X509Certificate>`,
      );
      return `<${p}X509Data>${certs.join('')}</${p}X509Data>`;
    },
  });
  sig.addReference({
    xpath: '/*',
    uri: '',
    isEmptyUri: true,
    transforms: [ENVELOPED, EXC_C14N],
    digestAlgorithm: SHA256,
  });
  return sig;
}

const SIGNATURE_LOCATION = {
  location: { reference: "/*/*[local-name(.)='edXMLHeader']", action: 'append' as const },
};

/** Signs an edXML document; `certificates` are DER, the signer's first, then its issuers. */
export function signEdxml(xml: string, privateKey: KeyObject, certificates: Uint8Array[]): string {
  checkSignable(xml);
  const sig = edxmlSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, certificates);
  sig.computeSignature(xml, SIGNATURE_LOCATION);
  return sig.getSignedXml();
}

/**
 * Signs an edXML document with a {@link Signer} (a server-held key decrypted only inside the signer, a token, a
 * remote service): the same signature as {@link signEdxml}, the SignatureValue computed by `signer.sign` over the
 * canonical SignedInfo. Only RSA keys: edXML samples use RSA-SHA256.
 */
export async function signEdxmlWith(xml: string, signer: Signer): Promise<string> {
  if (signer.keyAlgorithm !== 'RSA') throw new EdxmlError('edXML signatures need an RSA key');
  checkSignable(xml);
  const sig = edxmlSigner('held-by-signer', await signer.certificateChain());
  // xml-crypto asks the algorithm for the value; this one delegates to the Signer (asynchronously, by callback).
  sig.SignatureAlgorithms = {
    ...sig.SignatureAlgorithms,
    [RSA_SHA256]: class {
      getAlgorithmName = () => RSA_SHA256;
      verifySignature = () => false;
      getSignature = (
        signedInfo: string,
        _key: unknown,
        callback?: (err: Error | null, value?: string) => void,
      ) => {
        signer.sign(Buffer.from(signedInfo, 'utf8'), { hash: 'SHA-256', scheme: 'pkcs1' }).then(
          (value) => callback?.(null, Buffer.from(value).toString('base64')),
          (err: unknown) => callback?.(err instanceof Error ? err : new Error(String(err))),
        );
      };
    } as unknown as (typeof sig.SignatureAlgorithms)[string],
  };
  await new Promise<void>((resolve, reject) =>
    sig.computeSignature(xml, SIGNATURE_LOCATION, (err) => (err ? reject(err) : resolve())),
  );
  return sig.getSignedXml();
}

/** The first XMLDSig Signature, breadth first: last in edXMLHeader as written here, elsewhere in others' files. */
function findSignature(root: XElement): XElement | undefined {
  const queue = [root];
  for (let el = queue.shift(); el; el = queue.shift()) {
    if (localName(el) === 'Signature' && el.namespaceURI === XMLDSIG_NAMESPACE) return el;
    queue.push(...childElements(el));
  }
  return undefined;
}

function certificatesOf(signature: XElement): Uint8Array[] {
  const out: Uint8Array[] = [];
  const walk = (el: XElement) => {
    for (const c of childElements(el))
      if (localName(c) === 'X509Certificate')
        out.push(new Uint8Array(Buffer.from((c.textContent ?? '').replace(/\s+/g, ''), 'base64')));
      else walk(c);
  };
  walk(signature);
  return out;
}

export interface VerifyOptions {
  /** Trust anchors (DER); without them the chain is not checked and the verdict cannot be valid. */
  anchors?: Uint8Array[];
  crls?: Uint8Array[];
  /** Validation time of the certificate path. */
  at: Date;
}

/** The header (or status) of a model, for comparing what was signed with what is read. */
const headerOf = (xml: string) => {
  const m = readEdxml(xml);
  return JSON.stringify(m.kind === 'envelope' ? m.header : m.status);
};

/** Verifies the signature of an edXML file; undefined when the file carries none. */
export async function verifyEdxml(xml: string, opts: VerifyOptions): Promise<SignatureVerdict | undefined> {
  const signature = findSignature(parseXml(xml).documentElement!);
  if (!signature) return undefined;
  const certs = certificatesOf(signature);
  const fail = (reason: string, extra: Partial<SignatureVerdict> = {}): SignatureVerdict => ({
    intact: false,
    coversHeader: false,
    valid: false,
    reason,
    ...extra,
  });
  if (certs.length === 0) return fail('the signature carries no X509Certificate');
  let signer: X509Certificate;
  try {
    signer = new X509Certificate(certs[0]!);
  } catch {
    return fail('the first X509Certificate does not decode');
  }
  const sig = new SignedXml({ publicCert: signer.toString(), getCertFromKeyInfo: () => null });
  let signed: string[];
  try {
    sig.loadSignature(serialize(signature));
    if (!sig.checkSignature(xml)) return fail('the signature value or a reference digest does not match');
    signed = sig.getSignedReferences();
  } catch (err) {
    return fail(`signature check failed: ${(err as Error).message.split('\n')[0]}`);
  }
  const expected = headerOf(xml);
  const coversHeader = signed.some((ref) => {
    try {
      return headerOf(ref) === expected;
    } catch {
      return false;
    }
  });
  const verdict: SignatureVerdict = {
    intact: true,
    coversHeader,
    signer: signer.subject.split('\n').join(', '),
    valid: false,
  };
  if (!coversHeader) return { ...verdict, reason: 'the signed content does not include the message header' };
  if (!opts.anchors || opts.anchors.length === 0) return { ...verdict, reason: 'no trust anchor given' };
  let report: Awaited<ReturnType<typeof validatePath>>;
  try {
    report = await validatePath({
      anchors: opts.anchors,
      cert: certs[0]!,
      intermediates: certs.slice(1),
      crls: opts.crls,
      revocation: opts.crls && opts.crls.length > 0 ? 'require' : 'none',
      at: opts.at,
    });
  } catch (err) {
    // A certificate the path builder cannot read is a verdict on this file, not a crash of the command.
    return { ...verdict, reason: `certificate path not checked: ${(err as Error).message}` };
  }
  const chain = { valid: report.valid, code: report.code, message: report.message };
  if (!report.valid) return { ...verdict, chain, reason: report.message };
  return { ...verdict, chain, valid: true };
}
