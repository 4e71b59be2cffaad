import { createHash } from 'node:crypto';
import { EdxmlError, childElements, escapeXml, localName, parseXml } from '../edxml/dom';

/**
 * The ASiC manifest of an evidence bundle (ETSI EN 319 162-1 4.4.2, ASiC-E with a CAdES signature): every data
 * object of the container with its MIME type and SHA-256, and a reference to the detached CMS signature that signs
 * this manifest's exact bytes.
 */

export const ASIC_MIMETYPE = 'application/vnd.etsi.asic-e+zip';
export const MANIFEST_NAME = 'META-INF/ASiCManifest.xml';
export const SIGNATURE_NAME = 'META-INF/signature.p7s';
const ASIC_NS = 'http://uri.etsi.org/02918/v1.2.1#';
const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';
const SHA256_URI = 'http://www.w3.org/2001/04/xmlenc#sha256';

/** One file of the bundle. Names are ASCII paths (`documents/…`, `statuses/…`) so every ZIP tool reads them alike. */
export interface BundleEntry {
  name: string;
  mimeType: string;
  bytes: Uint8Array;
}

export interface ManifestReference {
  uri: string;
  mimeType: string;
  /** Hex SHA-256 of the entry (the manifest carries it in base64). */
  sha256: string;
}

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The manifest's bytes (UTF-8) for these entries, in the order given. */
export function buildManifest(entries: readonly BundleEntry[]): Uint8Array {
  const refs = entries.map((e) => {
    const digest = Buffer.from(sha256Hex(e.bytes), 'hex').toString('base64');
    return (
      `  <asic:DataObjectReference URI="${escapeXml(e.name)}" MimeType="${escapeXml(e.mimeType)}">\n` +
      `    <ds:DigestMethod Algorithm="${SHA256_URI}"/>\n` +
      `    <ds:DigestValue>${digest}</ds:DigestValue>\n` +
      `  </asic:DataObjectReference>\n`
    );
  });
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<asic:ASiCManifest xmlns:asic="${ASIC_NS}" xmlns:ds="${DS_NS}">\n` +
    `  <asic:SigReference URI="${SIGNATURE_NAME}" MimeType="application/pkcs7-signature"/>\n` +
    refs.join('') +
    `</asic:ASiCManifest>\n`;
  return new TextEncoder().encode(xml);
}

/** What a manifest says: the signature it names and its data object references. */
export interface ParsedManifest {
  signatureUri?: string;
  references: ManifestReference[];
}

/** Reads a manifest; throws EdxmlError (with the element) when it is not an ASiC manifest with SHA-256 digests. */
export function parseManifest(bytes: Uint8Array): ParsedManifest {
  const root = parseXml(Buffer.from(bytes).toString('utf8')).documentElement!;
  if (localName(root) !== 'ASiCManifest' || root.namespaceURI !== ASIC_NS)
    throw new EdxmlError('not an ASiC manifest', localName(root));
  const out: ParsedManifest = { references: [] };
  for (const el of childElements(root)) {
    const name = localName(el);
    if (name === 'SigReference') out.signatureUri = el.getAttribute('URI') ?? undefined;
    if (name !== 'DataObjectReference') continue;
    const uri = el.getAttribute('URI');
    const method = childElements(el).find((c) => localName(c) === 'DigestMethod');
    const value = childElements(el).find((c) => localName(c) === 'DigestValue');
    if (!uri || !method || !value) throw new EdxmlError('incomplete data object reference', name);
    if (method.getAttribute('Algorithm') !== SHA256_URI)
      throw new EdxmlError(`unsupported digest ${method.getAttribute('Algorithm')}`, 'DigestMethod');
    const digest = Buffer.from((value.textContent ?? '').trim(), 'base64');
    if (digest.length !== 32) throw new EdxmlError(`${uri}: digest is not a SHA-256 value`, 'DigestValue');
    out.references.push({ uri, mimeType: el.getAttribute('MimeType') ?? '', sha256: digest.toString('hex') });
  }
  return out;
}
