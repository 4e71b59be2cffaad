import type { PdfReader } from '../../core/document';
import { decodeStream } from '../../core/filters';
import { PdfStream, type PdfValue, deepEqual, nameOf } from '../../core/objects';
import { type Finding, type StepContext, finding } from './context';

/** Resource categories whose entries are named from content streams (ISO 32000-1 7.8.3, Table 33). */
const NAMED = new Set(['Font', 'XObject', 'ExtGState', 'ColorSpace', 'Pattern', 'Shading', 'Properties']);
/** Most content streams (the page's and its form XObjects') read to prove an added name unused. */
const MAX_STREAMS = 64;

/** Every name token in content (`/Name`, #xx decoded): a superset of the resource names its operators use. */
function namesIn(data: Uint8Array, into: Set<string>): void {
  const text = Buffer.from(data).toString('latin1');
  for (const m of text.matchAll(/\/([^\s/[\]()<>{}%]*)/g))
    into.add(m[1]!.replace(/#([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
}

async function streamsOf(r: PdfReader, v: PdfValue | undefined): Promise<PdfStream[]> {
  const c = await r.resolve(v);
  const list = Array.isArray(c) ? c : [c];
  const out: PdfStream[] = [];
  for (const x of list) {
    const s = await r.resolve(x);
    if (!(s instanceof PdfStream)) throw new Error('content is not a stream');
    out.push(s);
  }
  return out;
}

/**
 * Names the signed page's content may look up in the page's /Resources: those of its content streams and of the
 * form XObjects the page names. A form without /Resources inherits the page's (7.8.3) and some viewers fall back
 * to them for a name its own lack, so every form is read. Throws when some content cannot be read (an unsupported
 * filter): then nothing can be proved unused.
 */
async function namesUsed(r: PdfReader, page: PdfValue, res: PdfValue): Promise<Set<string>> {
  const names = new Set<string>();
  const p = await r.resolveDict(page);
  const streams = await streamsOf(r, p?.get('Contents'));
  const xobjects = await r.resolveDict((await r.resolveDict(res))?.get('XObject'));
  for (const v of xobjects?.map.values() ?? []) {
    const x = await r.resolve(v);
    if (x instanceof PdfStream && nameOf(x.dict.get('Subtype')) === 'Form') streams.push(x);
  }
  if (streams.length > MAX_STREAMS) throw new Error('too many content streams');
  for (const s of streams) namesIn(decodeStream(s.dict, await r.streamData(s)), names);
  return names;
}

/**
 * Resource names added to /Resources (`a` to `b`), or a reason to refuse: any entry removed or changed, or a
 * category other than the named ones changed.
 */
async function addedNames(ctx: StepContext, a: PdfValue, b: PdfValue): Promise<string[] | string> {
  const ra = await ctx.old.resolveDict(a);
  const rb = await ctx.cur.resolveDict(b);
  if (!ra || !rb) return 'not a dictionary';
  const added: string[] = [];
  for (const key of new Set([...ra.map.keys(), ...rb.map.keys()])) {
    const [va, vb] = [ra.get(key), rb.get(key)];
    if (deepEqual(va, vb)) continue;
    if (!NAMED.has(key)) return `/${key} changed`;
    const [da, db] = [await ctx.old.resolveDict(va), await ctx.cur.resolveDict(vb)];
    if ((va !== undefined && !da) || !db) return `/${key} is not a dictionary`;
    for (const [name, v] of da?.map ?? [])
      if (!deepEqual(v, db.get(name))) return `/${key} /${name} changed or removed`;
    for (const name of db.map.keys()) if (!da?.has(name)) added.push(name);
  }
  return added;
}

/** The decision on /Resources going from `a` to `b`, for the signed pages (dictionaries) whose content uses them. */
async function judgeResources(
  ctx: StepContext,
  num: number,
  what: string,
  pages: PdfValue[],
  a: PdfValue,
  b: PdfValue,
): Promise<Finding> {
  const refuse = (why: string) => finding(num, 'PAGE_CONTENT_CHANGED', `${what} changed (${why})`);
  const added = await addedNames(ctx, a, b);
  if (typeof added === 'string') return refuse(added);
  if (added.length) {
    const used = new Set<string>();
    for (const page of pages) {
      const names = await namesUsed(ctx.old, page, a).catch(() => undefined);
      if (!names) return refuse('the signed content cannot be read to check the added names');
      for (const x of names) used.add(x);
    }
    const clash = added.filter((x) => used.has(x));
    if (clash.length) return refuse(`/${clash.join(' /')} added although the signed content uses it`);
  }
  const how = added.length
    ? `gains /${added.join(' /')}, unused by the signed content`
    : 'rewritten unchanged';
  return finding(num, 'PAGE_RESOURCES_EXTENDED', `${what} ${how}`, { deps: [b] });
}

/**
 * A page's /Resources redefined (ISO 32000-1 7.8.3). Writers rewrite it when they add an annotation or a time-stamp
 * (a copy with the same entries, or with new fonts or XObjects for later use). That renders nothing new as long as
 * the signed content does not use an added name: a name used but missing when signed would now be drawn (a shadow
 * attack). Changed or removed entries, and content that cannot be read, stay PAGE_CONTENT_CHANGED; a changed
 * content stream is refused on its own.
 */
export async function classifyPageResources(
  ctx: StepContext,
  num: number,
  page: number | undefined,
  a: PdfValue | undefined,
  b: PdfValue | undefined,
): Promise<Finding> {
  if (a === undefined || b === undefined)
    return finding(num, 'PAGE_CONTENT_CHANGED', `page ${page}: /Resources added or removed`);
  return judgeResources(ctx, num, `page ${page}: /Resources`, [await ctx.old.getObject(num)], a, b);
}

/**
 * An indirect /Resources dictionary redefined in place, judged as {@link classifyPageResources} for every page that
 * uses it. Undefined when something other than a page's /Resources entry refers to it (a form XObject, a page-tree
 * node passing it down, another key): then the caller refuses it as page content.
 */
export async function classifyResourcesObject(
  ctx: StepContext,
  num: number,
  a: PdfValue,
  b: PdfValue,
): Promise<Finding | undefined> {
  const usages = (await ctx.referrers()).get(num) ?? [];
  if (!usages.length || !usages.every((u) => ctx.roles.pages.has(u.holder) && u.path === '/Resources'))
    return undefined;
  const pages = await Promise.all(usages.map((u) => ctx.old.getObject(u.holder)));
  return judgeResources(
    ctx,
    num,
    `/Resources ${num} of page(s) ${usages.map((u) => ctx.roles.pages.get(u.holder)).join(', ')}`,
    pages,
    a,
    b,
  );
}
