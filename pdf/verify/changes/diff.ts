import { createHash } from 'node:crypto';
import type { PdfReader } from '../../core/document';
import { PdfDict, PdfRef, PdfStream, type PdfValue, deepEqual } from '../../core/objects';
import type { XrefEntry } from '../../core/xref';

const MAX_COMPARED_STREAM = 16 * 1024 * 1024;

/** Objects a revision added, redefined or freed relative to the previous one (ISO 32000-1 7.5.6). */
export interface RevisionDiff {
  added: Set<number>;
  /** Redefined with a different value (identical re-definitions are ignored, as pyHanko does). */
  overridden: Set<number>;
  freed: Set<number>;
}

function sameEntry(a: XrefEntry | undefined, b: XrefEntry | undefined): boolean {
  if (!a || !b || a.type !== b.type) return false;
  if (a.type === 'offset' && b.type === 'offset') return a.offset === b.offset && a.gen === b.gen;
  if (a.type === 'compressed' && b.type === 'compressed') return a.stream === b.stream && a.index === b.index;
  return a.type === 'free';
}

async function streamDigest(r: PdfReader, s: PdfStream): Promise<string | undefined> {
  if (s.dataLength > MAX_COMPARED_STREAM) return undefined;
  return createHash('sha256')
    .update(await r.streamData(s, MAX_COMPARED_STREAM))
    .digest('hex');
}

/** Value equality across two revisions; streams compare by dictionary and encoded bytes. */
export async function sameValue(old: PdfReader, cur: PdfReader, a: PdfValue, b: PdfValue): Promise<boolean> {
  if (a instanceof PdfStream && b instanceof PdfStream) {
    if (!deepEqual(a.dict, b.dict) || a.dataLength !== b.dataLength) return false;
    const [da, db] = [await streamDigest(old, a), await streamDigest(cur, b)];
    return da !== undefined && da === db;
  }
  return deepEqual(a, b);
}

/** Compares the cross-reference entries of two revisions and the values of the objects whose entry moved. */
export async function diffRevisions(old: PdfReader, cur: PdfReader): Promise<RevisionDiff> {
  const diff: RevisionDiff = { added: new Set(), overridden: new Set(), freed: new Set() };
  const movedStreams = new Set<number>();
  for (const [num, e] of old.entries)
    if (e.type !== 'free' && !sameEntry(e, cur.entries.get(num))) movedStreams.add(num);
  for (const [num, ce] of cur.entries) {
    const oe = old.entries.get(num);
    const containerMoved = ce.type === 'compressed' && movedStreams.has(ce.stream);
    if (sameEntry(oe, ce) && !containerMoved) continue;
    const inOld = oe !== undefined && oe.type !== 'free';
    if (ce.type === 'free') {
      if (inOld) diff.freed.add(num);
      continue;
    }
    if (!inOld) {
      diff.added.add(num);
      continue;
    }
    const a = await old.getObject(num);
    const b = await cur.getObject(num);
    if (b === null && a !== null) diff.freed.add(num);
    else if (!(await sameValue(old, cur, a, b))) diff.overridden.add(num);
  }
  return diff;
}

/**
 * New objects of this revision reachable from `roots` through other new objects only: what a change brought in.
 * Old objects are not entered, so an allowed change cannot vouch for objects it merely points at.
 */
export async function newDependencies(
  cur: PdfReader,
  added: Set<number>,
  roots: PdfValue[],
): Promise<number[]> {
  const found = new Set<number>();
  const stack: PdfValue[] = [...roots];
  while (stack.length) {
    const v = stack.pop();
    if (v instanceof PdfRef) {
      if (!added.has(v.num) || found.has(v.num)) continue;
      found.add(v.num);
      stack.push(await cur.getObject(v.num));
    } else if (Array.isArray(v)) stack.push(...v);
    else if (v instanceof PdfDict) stack.push(...v.map.values());
    else if (v instanceof PdfStream) stack.push(...v.dict.map.values());
  }
  return [...found].sort((a, b) => a - b);
}
