import type { PdfReader } from './document';
import { type PdfDict, PdfRef, PdfString, type PdfValue, nameOf } from './objects';

/** A terminal field of the interactive form (ISO 32000-1 12.7.3.1). */
export interface FormField {
  /** Reference of the field dictionary when it is an indirect object. */
  ref?: PdfRef;
  dict: PdfDict;
  /** Fully qualified name (12.7.3.2): partial names joined by periods. */
  name: string;
  /** Field type, inherited from ancestors when absent (12.7.3.1 Table 220). */
  ft?: string;
}

const MAX_FIELD_DEPTH = 32;

/**
 * Terminal fields reachable from the catalog's /AcroForm /Fields, depth first. Children are resolved one after the
 * other: the reader caches what it resolves, and a field tree is small.
 */
export async function formFields(reader: PdfReader): Promise<FormField[]> {
  const cat = await reader.catalog();
  const form = await reader.resolveDict(cat.get('AcroForm'));
  const fields = await reader.resolve(form?.get('Fields'));
  const out: FormField[] = [];
  const seen = new Set<number>();
  const walk = async (v: PdfValue, prefix: string, inheritedFt: string | undefined, depth: number) => {
    if (depth > MAX_FIELD_DEPTH) return;
    if (v instanceof PdfRef) {
      if (seen.has(v.num)) return;
      seen.add(v.num);
    }
    const dict = await reader.resolveDict(v);
    if (!dict) return;
    const t = dict.get('T');
    const part = t instanceof PdfString ? decodeTextString(t.bytes) : '';
    const name = prefix && part ? `${prefix}.${part}` : prefix || part;
    const ft = nameOf(dict.get('FT')) ?? inheritedFt;
    const kids = await reader.resolve(dict.get('Kids'));
    if (Array.isArray(kids) && kids.length > 0 && kids.some((k) => k instanceof PdfRef)) {
      const kidDicts: (PdfDict | undefined)[] = [];
      for (const k of kids) kidDicts.push(await reader.resolveDict(k));
      // Kids that are only widgets (no /T) belong to this field.
      if (kidDicts.some((k) => k?.has('T'))) {
        for (const k of kids) await walk(k, name, ft, depth + 1);
        return;
      }
    }
    out.push({ ref: v instanceof PdfRef ? v : undefined, dict, name, ft });
  };
  if (Array.isArray(fields)) for (const f of fields) await walk(f, '', undefined, 0);
  return out;
}

/** Decodes a PDF text string (7.9.2.2): UTF-16BE with BOM, UTF-8 with BOM, else PDFDocEncoding (approximated by Latin-1). */
export function decodeTextString(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    const sw = Buffer.from(b.subarray(2));
    if (sw.length % 2)
      return sw
        .subarray(0, sw.length - 1)
        .swap16()
        .toString('utf16le');
    return sw.swap16().toString('utf16le');
  }
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
  return b.toString('latin1');
}

/** Encodes a PDF text string as UTF-16BE with BOM (7.9.2.2). */
export function encodeTextString(s: string): Uint8Array {
  const le = Buffer.from(s, 'utf16le');
  return Buffer.concat([Buffer.from([0xfe, 0xff]), le.swap16()]);
}
