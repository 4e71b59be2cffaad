import { parseCertificate as parseX509 } from '../../pki/validate/certificate';
import { PdfReader } from '../core/document';
import { PdfString } from '../core/objects';
import { type PdfInput, openSource } from '../core/source';
import { DerError, parseDerLeading } from '../cms/der';
import { OID } from '../cms/oids';
import { parseSignedData } from '../cms/parse-signed-data';
import { findSignatures } from '../verify/find-signatures';
import { type ValidationMaterial, type VriEntry, vriKey } from './dss';

/** The certificates a CMS carries, and those of the time-stamp tokens in its unsigned attributes. */
function certificatesOf(cms: Uint8Array): Uint8Array[] {
  try {
    const sd = parseSignedData(cms);
    const out = [...sd.certificates];
    for (const si of sd.signerInfos)
      for (const token of si.unsignedAttributes.get(OID.signatureTimeStampToken) ?? [])
        out.push(...parseSignedData(token.raw).certificates);
    return out;
  } catch (err) {
    if (err instanceof DerError) return [];
    throw err;
  }
}

/** The CRL distribution point URIs of `certs` (RFC 5280 4.2.1.13), to fetch when no CRL is given. */
export function crlUrlsOf(certs: readonly Uint8Array[]): string[] {
  const urls = new Set<string>();
  for (const der of certs) {
    try {
      for (const dp of parseX509(der).crlDistributionPoints ?? [])
        if (dp.name && 'fullName' in dp.name)
          for (const n of dp.name.fullName)
            if (n.kind === 'uri' && /^https?:/.test(n.value)) urls.add(n.value);
    } catch {
      // An unreadable certificate names no CRL; path validation reports it.
    }
  }
  return [...urls];
}

/**
 * Gathers the validation material of every signature and document time-stamp of a PDF (ETSI EN 319 142-1 5.4.2):
 * the certificates their CMS and time-stamp tokens carry plus `extra.certs`, and `extra.crls`; one /VRI entry per
 * signature dictionary with the certificates it carries and every CRL.
 */
export async function gatherValidationMaterial(
  input: PdfInput,
  extra: { certs?: Uint8Array[]; crls?: Uint8Array[]; gatheredAt?: Date },
): Promise<ValidationMaterial> {
  const src = await openSource(input);
  try {
    const full = await PdfReader.open(src, { recover: true });
    const found = await findSignatures(src, full);
    const crls = extra.crls ?? [];
    const vri: VriEntry[] = [];
    const all: Uint8Array[] = [...(extra.certs ?? [])];
    for (const s of found.signatures) {
      const contents = s.dict.get('Contents');
      if (!(contents instanceof PdfString)) continue;
      let cms: Uint8Array;
      try {
        const { der } = parseDerLeading(contents.bytes);
        cms = der.raw;
      } catch (err) {
        if (err instanceof DerError) continue;
        throw err;
      }
      const certs = certificatesOf(cms);
      all.push(...certs);
      vri.push({ key: vriKey(contents.bytes), certs, crls });
    }
    return { certs: all, crls, vri, ...(extra.gatheredAt ? { gatheredAt: extra.gatheredAt } : {}) };
  } finally {
    await src.close();
  }
}
