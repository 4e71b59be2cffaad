import { PdfReader } from '../core/document';
import { isPdfError } from '../core/errors';
import { type PdfDict, PdfString, type PdfValue, nameOf } from '../core/objects';
import { eofMarkers } from '../core/recover';
import type { ByteSource } from '../core/source';
import type { StructureWarning } from '../core/warnings';
import { referencesIn, type RevisionReferences } from './signature-references';

/** Most revisions examined; a file with more is still verified, the oldest extra ones are skipped (and said so). */
const MAX_REVISIONS = 256;

/** A revision of the file: the document as the first `end` bytes describe it (ISO 32000-1 7.5.6). */
export interface RevisionInfo {
  /** 1-based, in file order. */
  index: number;
  end: number;
  /** What marks this end: a `%%EOF`, the end of a signature's ByteRange, or the end of the file. */
  marks: ('eof-marker' | 'byte-range' | 'end-of-file')[];
  readable: boolean;
  /** Why it could not be read (a `%%EOF` inside stream data is not a revision, for instance). */
  error?: string;
  /** Its cross-reference chain had to be rebuilt by scanning. */
  recovered: boolean;
}

/** A later revision changed how the document reaches a signature found in an earlier one. */
export interface SignatureReferenceChange {
  /** Revision (index) in which the change appears. */
  revision: number;
  kind: 'acroform-removed' | 'field-removed' | 'value-removed' | 'value-rewritten';
  field?: string;
  detail: string;
}

/** One signature dictionary (ISO 32000-1 12.8.1), found in whichever revision referenced it. */
export interface FoundSignature {
  /** Stable identity: where the dictionary's bytes lie (one physical object, however many fields name it). */
  id: string;
  kind: 'signature' | 'timestamp';
  dict: PdfDict;
  /** The indirect object holding the dictionary; `offset` when it is uncompressed (12.8.1 needs it to be). */
  container?: { num: number; gen: number; offset?: number };
  /** Fully qualified names of every field whose /V is this dictionary, in any revision, first seen first. */
  fieldNames: string[];
  /** Index of the first revision that references it. */
  firstRevision: number;
  /** Whether the newest revision (the whole file) still references it. */
  referencedAtEnd: boolean;
  /** ByteRange end (c + d) when the ByteRange is four non-negative integers: the signed revision's length. */
  signedLength?: number;
  /** Structural defects that make the dictionary ambiguous (duplicate keys); empty when none. */
  malformed: string[];
  /** Later removals or rewrites of the references to it. */
  referenceChanges: SignatureReferenceChange[];
}

/** Everything {@link findSignatures} learnt. */
export interface SignatureDiscovery {
  revisions: RevisionInfo[];
  /** Signatures and document time-stamps, in the order of their dictionaries in the file. */
  signatures: FoundSignature[];
  /** Structural warnings of the whole file and of the signed revisions, prefixed with the revision they concern. */
  warnings: StructureWarning[];
}

function byteRangeEnd(sig: PdfDict, size: number): number | undefined {
  const br = sig.get('ByteRange');
  if (!Array.isArray(br) || br.length !== 4) return undefined;
  if (!br.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) return undefined;
  const end = (br[2] as number) + (br[3] as number);
  return end > 0 && end <= size ? end : undefined;
}

function kindOf(sig: PdfDict): FoundSignature['kind'] {
  return nameOf(sig.get('SubFilter')) === 'ETSI.RFC3161' || nameOf(sig.get('Type')) === 'DocTimeStamp'
    ? 'timestamp'
    : 'signature';
}

function malformations(sig: PdfDict, field: PdfDict): string[] {
  const out = sig.duplicateKeys.map(
    (k) => `signature dictionary has the key /${k} more than once (ISO 32000-1 7.3.7)`,
  );
  for (const k of field.duplicateKeys.filter((x) => x === 'V' || x === 'FT'))
    out.push(`signature field has the key /${k} more than once (ISO 32000-1 7.3.7)`);
  return out;
}

function cmsKey(sig: PdfDict): string | undefined {
  const c = sig.get('Contents');
  const br = sig.get('ByteRange');
  if (!(c instanceof PdfString) || !Array.isArray(br)) return undefined;
  return `${JSON.stringify(br as PdfValue[])}:${Buffer.from(c.bytes).toString('base64')}`;
}

class RevisionSet {
  readonly byEnd = new Map<number, { info: Omit<RevisionInfo, 'index'>; refs?: RevisionReferences }>();
  readonly warnings: StructureWarning[] = [];
  constructor(
    private readonly src: ByteSource,
    private readonly full: PdfReader,
  ) {}

  /** Opens the revision ending at `end` once; a signed revision may be recovered, a bare %%EOF may not. */
  async add(end: number, mark: RevisionInfo['marks'][number]): Promise<RevisionReferences | undefined> {
    const known = this.byEnd.get(end);
    if (known) {
      if (!known.info.marks.includes(mark)) known.info.marks.push(mark);
      if (known.refs || mark !== 'byte-range' || known.info.readable) return known.refs;
    }
    if (!known && this.byEnd.size >= MAX_REVISIONS) return undefined;
    const info = known?.info ?? { end, marks: [mark], readable: false, recovered: false };
    this.byEnd.set(end, { info });
    try {
      const reader =
        end === this.src.size
          ? this.full
          : await PdfReader.openPrefix(this.src, end, { recover: mark === 'byte-range' });
      const refs = await referencesIn(reader);
      Object.assign(info, { readable: true, recovered: reader.recovery !== undefined, error: undefined });
      if (reader !== this.full)
        for (const w of reader.warnings)
          this.warnings.push({ ...w, message: `revision ending at ${end}: ${w.message}` });
      this.byEnd.set(end, { info, refs });
      return refs;
    } catch (err) {
      // The whole file must be readable (the caller answers 02 otherwise); an earlier prefix need not be.
      if (!isPdfError(err) || end === this.src.size) throw err;
      info.error = `${err.code}: ${err.message}`;
      return undefined;
    }
  }
}

/**
 * Finds every signature and document time-stamp of a file in every revision, so that a later update that removes
 * /AcroForm, a field or a field's /V cannot hide an earlier signature (ETSI EN 319 142-1 5.4; ISO 32000-1 12.8.1).
 * Revisions are the prefixes ending at each `%%EOF` and at each signature's ByteRange end (the signed revision is
 * always what the ByteRange covers, even when no `%%EOF` marks it). A dictionary referenced by several fields, or in
 * several revisions, is one signature naming all those fields. `full` is the whole file, opened with `recover`.
 * Throws PdfError when the whole file's form cannot be read; unreadable earlier revisions are listed as such.
 */
export async function findSignatures(src: ByteSource, full: PdfReader): Promise<SignatureDiscovery> {
  const set = new RevisionSet(src, full);
  const eofs = await eofMarkers(src);
  // Newest first, so that a file with more revisions than the limit keeps the ones that matter most.
  await set.add(src.size, 'end-of-file');
  for (const end of [...eofs].reverse()) if (end <= src.size) await set.add(end, 'eof-marker');
  const pending = [...set.byEnd.values()];
  while (pending.length > 0) {
    const rev = pending.shift()!;
    for (const ref of rev.refs?.signatures.values() ?? []) {
      const end = byteRangeEnd(ref.dict, src.size);
      if (end === undefined) continue;
      const wasReadable = set.byEnd.get(end)?.refs !== undefined;
      await set.add(end, 'byte-range');
      const now = set.byEnd.get(end);
      if (now?.refs && !wasReadable) pending.push(now);
    }
  }
  const ordered = [...set.byEnd.values()].sort((a, b) => a.info.end - b.info.end);
  const revisions: RevisionInfo[] = ordered.map((r, i) => ({ index: i + 1, ...r.info }));
  const signatures = collect(
    ordered.map((r, i) => ({ index: i + 1, refs: r.refs })),
    src.size,
  );
  return { revisions, signatures, warnings: [...full.warnings, ...set.warnings] };
}

function collect(revisions: { index: number; refs?: RevisionReferences }[], size: number): FoundSignature[] {
  const byId = new Map<string, FoundSignature>();
  const byCms = new Map<string, FoundSignature>();
  const readable = revisions.filter((r) => r.refs !== undefined);
  let previous: RevisionReferences | undefined;
  for (const { index, refs } of readable) {
    for (const [id, ref] of refs!.signatures) {
      const cms = cmsKey(ref.dict);
      let found = byId.get(id) ?? (cms !== undefined ? byCms.get(cms) : undefined);
      if (!found) {
        found = {
          id,
          kind: kindOf(ref.dict),
          dict: ref.dict,
          container: ref.container,
          fieldNames: [],
          firstRevision: index,
          referencedAtEnd: false,
          signedLength: byteRangeEnd(ref.dict, size),
          malformed: [],
          referenceChanges: [],
        };
        if (cms !== undefined) byCms.set(cms, found);
      }
      byId.set(id, found);
      for (const f of ref.fields) {
        if (!found.fieldNames.includes(f.name)) found.fieldNames.push(f.name);
        for (const m of malformations(ref.dict, f.dict))
          if (!found.malformed.includes(m)) found.malformed.push(m);
      }
    }
    if (previous) noteChanges(previous, refs!, index, byId);
    previous = refs;
  }
  const last = readable.at(-1)?.refs;
  const unique = [...new Set(byId.values())];
  for (const s of unique)
    s.referencedAtEnd = !!last && [...last.signatures.keys()].some((k) => byId.get(k) === s);
  return unique.sort((a, b) => (a.container?.offset ?? Infinity) - (b.container?.offset ?? Infinity));
}

/** Records, for each signature referenced in `before`, how `after` stopped referencing it through each field. */
function noteChanges(
  before: RevisionReferences,
  after: RevisionReferences,
  revision: number,
  byId: Map<string, FoundSignature>,
): void {
  for (const [id, ref] of before.signatures) {
    const sig = byId.get(id)!;
    if (!after.hasAcroForm) {
      sig.referenceChanges.push({
        revision,
        kind: 'acroform-removed',
        detail: 'the catalog no longer has /AcroForm',
      });
      continue;
    }
    for (const f of ref.fields) {
      const now = after.fields.get(f.name);
      const change = (kind: SignatureReferenceChange['kind'], detail: string) =>
        sig.referenceChanges.push({ revision, kind, field: f.name, detail });
      if (!now) change('field-removed', `field ${f.name} is no longer in the form`);
      else if (now.signatureId === undefined)
        change('value-removed', `field ${f.name} no longer has a signature /V`);
      else if (byId.get(now.signatureId) !== sig)
        change('value-rewritten', `field ${f.name} now refers to another signature dictionary`);
    }
  }
}
