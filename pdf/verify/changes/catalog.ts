import { PdfRef, PdfStream, type PdfValue, deepEqual, isDict, nameOf } from '../../core/objects';
import { type Finding, type StepContext, differingKeys, finding } from './context';
import { classifyAcroForm } from './form';
import { usedOnlyThrough } from './referrers';

const DSS_KEYS = new Set(['Type', 'VRI', 'Certs', 'CRLs', 'OCSPs']);
const VRI_KEYS = new Set(['Type', 'TU', 'TS', 'Cert', 'CRL', 'OCSP']);

/**
 * Checks a /DSS against the one of the signed revision (ETSI EN 319 142-1 5.4.2.2): only the expected keys, and
 * every earlier /VRI entry kept as it was. Removing certificates, CRLs or OCSP responses is allowed by PAdES.
 */
export async function classifyDss(
  ctx: StepContext,
  holder: number,
  a: PdfValue | undefined,
  b: PdfValue | undefined,
): Promise<Finding> {
  const oldDss = await ctx.old.resolveDict(a);
  const newDss = await ctx.cur.resolveDict(b);
  const bad = (why: string) => finding(holder, 'DSS_MALFORMED', why);
  if (!newDss) return bad('/DSS removed or not a dictionary');
  const extra = [...newDss.map.keys()].filter((k) => !DSS_KEYS.has(k));
  if (extra.length) return bad(`/DSS has unexpected /${extra.join(' /')}`);
  const oldVri = await ctx.old.resolveDict(oldDss?.get('VRI'));
  const newVri = await ctx.cur.resolveDict(newDss.get('VRI'));
  for (const key of oldVri?.map.keys() ?? []) if (!newVri?.has(key)) return bad(`/VRI /${key} removed`);
  const rewritten: string[] = [];
  for (const [key, v] of newVri?.map ?? []) {
    if (deepEqual(v, oldVri?.get(key))) continue;
    if (oldVri?.has(key)) rewritten.push(key);
    const entry = await ctx.cur.resolveDict(v);
    if (!/^[0-9A-F]{40}$/.test(key) || !entry) return bad(`/VRI /${key} is not a VRI entry`);
    const extraVri = [...entry.map.keys()].filter((k) => !VRI_KEYS.has(k));
    if (extraVri.length) return bad(`/VRI /${key} has unexpected /${extraVri.join(' /')}`);
  }
  if (rewritten.length)
    return finding(holder, 'DSS_VRI_REWRITTEN', `/DSS extended, /VRI /${rewritten.join(' /')} rewritten`, {
      deps: [b ?? null],
    });
  return finding(holder, 'DSS_UPDATE', oldDss ? '/DSS extended' : '/DSS added', { deps: [b ?? null] });
}

async function classifyMetadataValue(
  ctx: StepContext,
  holder: number,
  b: PdfValue | undefined,
): Promise<Finding> {
  const s = await ctx.cur.resolve(b);
  if (
    s instanceof PdfStream &&
    nameOf(s.dict.get('Type')) === 'Metadata' &&
    nameOf(s.dict.get('Subtype')) === 'XML'
  )
    return finding(holder, 'XMP_UPDATE', 'XMP metadata stream updated', { deps: [b ?? null] });
  return finding(holder, 'CATALOG_CHANGED', 'catalog /Metadata is not an XMP metadata stream');
}

/**
 * The catalog's name dictionary (ISO 32000-1 7.7.4) changed: allowed when the only name tree added or changed is
 * /AP (named appearance streams, which show nothing by themselves) and every other tree is kept as it was, so no
 * /JavaScript, /EmbeddedFiles or destination can come in this way. An indirect name dictionary of the signed
 * revision redefined in place is judged as any object no rule claims.
 */
async function classifyNames(
  ctx: StepContext,
  holder: number,
  a: PdfValue | undefined,
  b: PdfValue | undefined,
): Promise<Finding> {
  const oldNames = a === undefined ? undefined : await ctx.old.resolveDict(a);
  const newNames = await ctx.cur.resolveDict(b);
  const refuse = (why: string) => finding(holder, 'CATALOG_CHANGED', `catalog /Names changed (${why})`);
  if ((a !== undefined && !oldNames) || !newNames) return refuse('not a dictionary');
  const keys = new Set([...(oldNames?.map.keys() ?? []), ...newNames.map.keys()]);
  const changed = [...keys].filter((k) => !deepEqual(oldNames?.get(k), newNames.get(k)));
  const other = changed.filter((k) => k !== 'AP');
  if (other.length) return refuse(`/${other.join(' /')}`);
  if (!(await ctx.cur.resolveDict(newNames.get('AP')))) return refuse('/AP is not a name tree');
  return finding(holder, 'NAMED_APPEARANCES_ADDED', 'catalog /Names: /AP name tree of appearances set', {
    deps: [b ?? null],
  });
}

/** The catalog redefined (ISO 32000-1 7.7.2): each changed entry is decided on its own. */
export async function classifyCatalog(
  ctx: StepContext,
  num: number,
  a: PdfValue,
  b: PdfValue,
): Promise<Finding[]> {
  if (!isDict(a) || !isDict(b)) return [finding(num, 'CATALOG_CHANGED', 'catalog is not a dictionary')];
  const out: Finding[] = [];
  for (const key of differingKeys(a, b)) {
    const nv = b.get(key);
    if (key === 'Version')
      out.push(finding(num, 'VERSION_BUMP', `catalog /Version set to ${nameOf(nv) ?? '?'}`));
    else if (key === 'Extensions' || key === 'MarkInfo')
      out.push(finding(num, 'EXTENSIONS_UPDATE', `catalog /${key} updated`, { deps: [nv ?? null] }));
    else if (key === 'DSS') out.push(await classifyDss(ctx, num, a.get('DSS'), nv));
    else if (key === 'Metadata') out.push(await classifyMetadataValue(ctx, num, nv));
    else if (key === 'Names') out.push(await classifyNames(ctx, num, a.get('Names'), nv));
    else if (key === 'AcroForm') {
      const form = await classifyAcroForm(
        ctx,
        num,
        await ctx.old.resolveDict(a.get('AcroForm')),
        await ctx.cur.resolveDict(nv),
      );
      // A new AcroForm object comes in with the first change it carries.
      if (form[0] && nv instanceof PdfRef) form[0].deps = [...(form[0].deps ?? []), nv];
      out.push(...form);
    } else out.push(finding(num, 'CATALOG_CHANGED', `catalog /${key} changed`));
  }
  return out;
}

/**
 * The trailer /Root pointed at another catalog (7.5.5). Some writers (DSS when adding validation data) write a new
 * copy of the catalog instead of redefining it. That is judged like a catalog redefined in place: each entry that
 * differs from the old catalog by the catalog rules. Refused unless the new catalog is a new object and the old one
 * is left as it was (neither redefined for another use nor freed), so nothing is both the old and the new catalog.
 */
export async function classifyRootReplaced(ctx: StepContext): Promise<Finding[]> {
  const a = ctx.old.trailer.get('Root');
  const b = ctx.cur.trailer.get('Root');
  const refuse = (why: string) => [
    finding(0, 'ROOT_REPLACED', `trailer /Root points to another catalog: ${why}`),
  ];
  if (!(a instanceof PdfRef) || !(b instanceof PdfRef)) return refuse('not an indirect reference');
  if (!ctx.diff.added.has(b.num)) return refuse(`object ${b.num} is not a new object`);
  if (ctx.diff.overridden.has(a.num) || ctx.diff.freed.has(a.num))
    return refuse(`the old catalog ${a.num} is redefined or freed`);
  const oldCatalog = await ctx.old.getObject(a.num);
  const newCatalog = await ctx.cur.getObject(b.num);
  if (!isDict(oldCatalog) || !isDict(newCatalog) || nameOf(newCatalog.get('Type')) !== 'Catalog')
    return refuse('not a catalog dictionary');
  const copied = finding(
    b.num,
    'CATALOG_COPIED',
    `trailer /Root moved from catalog ${a.num} to its copy ${b.num}`,
    {
      deps: [b],
    },
  );
  return [copied, ...(await classifyCatalog(ctx, b.num, oldCatalog, newCatalog))];
}

/** The document information dictionary (14.3.3) or XMP stream (14.3.2) redefined in place. */
export function classifyMetadataObject(ctx: StepContext, num: number, b: PdfValue): Finding {
  if (num === ctx.roles.info)
    return isDict(b)
      ? finding(num, 'INFO_UPDATE', 'document information dictionary updated', { deps: [b] })
      : finding(num, 'OBJECT_OVERRIDDEN', '/Info replaced by a non-dictionary');
  const ok = b instanceof PdfStream && nameOf(b.dict.get('Subtype')) === 'XML';
  return ok
    ? finding(num, 'XMP_UPDATE', 'XMP metadata stream rewritten', { deps: [b] })
    : finding(num, 'OBJECT_OVERRIDDEN', 'XMP metadata replaced by something else');
}

/**
 * The indirect catalog /Extensions dictionary (ISO 32000-1 7.12) redefined in place: an extensions update when the
 * catalog is its only user; any other object or the trailer referring to it would change too (pyHanko's
 * extensions-indirect-not-all-paths case).
 */
export async function classifyExtensionsObject(ctx: StepContext, num: number, b: PdfValue): Promise<Finding> {
  if (!isDict(b)) return finding(num, 'CATALOG_CHANGED', 'catalog /Extensions replaced by a non-dictionary');
  const onlyCatalog = usedOnlyThrough(await ctx.referrers(), num, ({ holder, path }) =>
    holder === ctx.roles.root && path === '/Extensions' ? 'anchor' : 'foreign',
  );
  return onlyCatalog
    ? finding(num, 'EXTENSIONS_UPDATE', `catalog /Extensions ${num} updated`, { deps: [b] })
    : finding(
        num,
        'SHARED_OBJECT_OVERRIDDEN',
        `catalog /Extensions ${num} is also used elsewhere than the catalog's /Extensions`,
      );
}

/**
 * A structure-tree node redefined (ISO 32000-1 14.7.2, 14.7.4.4): allowed when it only gains entries, as when a
 * widget's structure element and its /ParentTree entry are added; anything dropped or rewritten is refused.
 */
export function classifyStructNode(num: number, a: PdfValue, b: PdfValue): Finding {
  const grows = (x: PdfValue | undefined, y: PdfValue | undefined): boolean => {
    if (deepEqual(x, y) || x === undefined) return true;
    const xs = Array.isArray(x) ? x : [x];
    return Array.isArray(y) && xs.every((e) => y.some((f) => deepEqual(e, f)));
  };
  const growing = new Set(['K', 'Kids', 'Nums', 'ParentTreeNextKey', 'Limits', 'ParentTree']);
  let ok: boolean;
  if (Array.isArray(a)) ok = grows(a, b);
  else if (isDict(a) && isDict(b))
    ok = differingKeys(a, b).every(
      (k) =>
        growing.has(k) &&
        (k === 'ParentTreeNextKey' || k === 'Limits' || k === 'ParentTree' || grows(a.get(k), b.get(k))),
    );
  else ok = false;
  return ok
    ? finding(num, 'STRUCT_TREE_UPDATE', `structure tree node ${num} extended`, { deps: [b] })
    : finding(num, 'OBJECT_OVERRIDDEN', `structure tree node ${num} rewritten`);
}
