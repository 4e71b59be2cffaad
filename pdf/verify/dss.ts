import { parseCertificate } from '../../pki/validate/certificate';
import { parseCrl } from '../../pki/validate/crl';
import { PdfReader } from '../core/document';
import { isPdfError } from '../core/errors';
import { PdfStream, type PdfValue } from '../core/objects';
import { decodeStream } from '../core/filters';
import type { ByteSource } from '../core/source';

/** The Document Security Store of the latest revision (ETSI EN 319 142-1 5.4.2; ISO 32000-2 12.8.4.3). */
export interface DssMaterial {
  present: boolean;
  certs: Uint8Array[];
  crls: Uint8Array[];
  /** /VRI keys: upper-case hex SHA-1 of each signature's /Contents the DSS holds material for. */
  vriKeys: Set<string>;
  /** End offset of the first revision whose catalog has a /DSS (what a later document time-stamp must cover). */
  firstRevisionEnd?: number;
  /** When the material was gathered: the latest thisUpdate of its CRLs (the control time of past validation). */
  gatheredAt?: Date;
}

const EMPTY: DssMaterial = { present: false, certs: [], crls: [], vriKeys: new Set() };

async function streams(reader: PdfReader, v: PdfValue | undefined): Promise<Uint8Array[]> {
  const arr = await reader.resolve(v);
  const out: Uint8Array[] = [];
  if (!Array.isArray(arr)) return out;
  for (const item of arr) {
    const s = await reader.resolve(item);
    if (s instanceof PdfStream) out.push(decodeStream(s.dict, await reader.streamData(s)));
  }
  return out;
}

/**
 * The items that decode. The /DSS is written after the signatures it serves and signs nothing: an item that does
 * not decode proves nothing and is left out (as DSS does), rather than making path validation, and so a valid
 * signature, fail on it.
 */
function decodable(items: Uint8Array[], parse: (der: Uint8Array) => unknown): Uint8Array[] {
  return items.filter((der) => {
    try {
      parse(der);
      return true;
    } catch {
      return false;
    }
  });
}

function latestThisUpdate(crls: Uint8Array[]): Date | undefined {
  let latest: Date | undefined;
  for (const der of crls) {
    try {
      const t = parseCrl(der).thisUpdate;
      if (!latest || t > latest) latest = t;
    } catch {
      // Left out by readDss before it gets here; dates nothing.
    }
  }
  return latest;
}

/** The first revision whose catalog carries a /DSS. */
async function firstDssRevision(src: ByteSource, revEnds: readonly number[]): Promise<number | undefined> {
  for (const end of revEnds) {
    try {
      const r = await PdfReader.openPrefix(src, end, { recover: true });
      if ((await r.catalog()).has('DSS')) return end;
    } catch (err) {
      if (!isPdfError(err)) throw err;
    }
  }
  return undefined;
}

/**
 * Reads the /DSS of the document as it is now: its certificates and CRLs (decoded), the /VRI keys, the revision
 * that introduced it and when its material was gathered. A missing or unreadable /DSS is no material, not an error:
 * what it should prove is then reported as missing.
 */
export async function readDss(
  src: ByteSource,
  full: PdfReader,
  revEnds: readonly number[],
): Promise<DssMaterial> {
  try {
    const dss = await full.resolveDict((await full.catalog()).get('DSS'));
    if (!dss) return EMPTY;
    const certs = decodable(await streams(full, dss.get('Certs')), parseCertificate);
    const crls = decodable(await streams(full, dss.get('CRLs')), parseCrl);
    const vri = await full.resolveDict(dss.get('VRI'));
    return {
      present: true,
      certs,
      crls,
      vriKeys: new Set(vri ? [...vri.map.keys()].map((k) => k.toUpperCase()) : []),
      firstRevisionEnd: await firstDssRevision(src, revEnds),
      gatheredAt: latestThisUpdate(crls),
    };
  } catch (err) {
    if (!isPdfError(err)) throw err;
    return EMPTY;
  }
}
