import type { FormField, PdfReader } from '../core/document';
import type { PdfDict } from '../core/objects';
import { PdfRef } from '../core/objects';

/** A signature dictionary as one revision reaches it: through which fields, held by which object. */
export interface SignatureRef {
  dict: PdfDict;
  container?: { num: number; gen: number; offset?: number };
  fields: FormField[];
}

/** How one revision references signatures (ISO 32000-1 12.7.4.5: a signature field's /V). */
export interface RevisionReferences {
  hasAcroForm: boolean;
  /** Signature dictionaries by identity (see {@link signatureId}). */
  signatures: Map<string, SignatureRef>;
  /** Every signature field by fully qualified name, with the identity of its value when it has one. */
  fields: Map<string, { signatureId?: string }>;
}

/**
 * Identity of the object at `ref` in `reader`: its place in the file, which the same physical object keeps in
 * every revision, while a rewrite (same number, new bytes) gets a new one.
 */
function placeOf(reader: PdfReader, ref: PdfRef): { id: string; offset?: number } | undefined {
  const e = reader.entries.get(ref.num);
  if (e?.type === 'offset') return { id: `@${e.offset}`, offset: e.offset };
  if (e?.type === 'compressed') {
    const s = reader.entries.get(e.stream);
    return s?.type === 'offset' ? { id: `@${s.offset}#${e.index}` } : undefined;
  }
  return undefined;
}

/** The signature fields of one revision and the signature dictionaries their /V values name. */
export async function referencesIn(reader: PdfReader): Promise<RevisionReferences> {
  const out: RevisionReferences = { hasAcroForm: false, signatures: new Map(), fields: new Map() };
  const catalog = await reader.catalog();
  out.hasAcroForm = (await reader.resolveDict(catalog.get('AcroForm'))) !== undefined;
  for (const f of await reader.fields()) {
    if (f.ft !== 'Sig') continue;
    const v = f.dict.get('V');
    const dict = await reader.resolveDict(v);
    let place: { id: string; offset?: number } | undefined;
    let container: SignatureRef['container'];
    if (dict && v instanceof PdfRef) {
      place = placeOf(reader, v);
      container = { num: v.num, gen: v.gen, offset: place?.offset };
    } else if (dict && f.ref) {
      // A direct signature dictionary lives in the field object's bytes.
      const p = placeOf(reader, f.ref);
      place = p && { id: `${p.id}/V`, offset: p.offset };
      container = { num: f.ref.num, gen: f.ref.gen, offset: p?.offset };
    }
    if (!dict || !place) {
      if (!out.fields.has(f.name)) out.fields.set(f.name, {});
      continue;
    }
    out.fields.set(f.name, { signatureId: place.id });
    const known = out.signatures.get(place.id);
    if (known) known.fields.push(f);
    else out.signatures.set(place.id, { dict, container, fields: [f] });
  }
  return out;
}
