import { PdfRef, PdfStream, type PdfValue, deepEqual, isDict, nameOf } from '../../core/objects';
import {
  classifyCatalog,
  classifyDss,
  classifyExtensionsObject,
  classifyMetadataObject,
  classifyStructNode,
} from './catalog';
import { type Finding, type StepContext, differingKeys, finding } from './context';
import { classifyAcroForm, classifyAppearanceObject, classifyDr, classifyField } from './form';
import { classifyList } from './items';
import { classifyAnnotation, classifyPage } from './pages';
import { classifyResourcesObject } from './resources';
import { classifyStructAnnotationsRemoved, classifyStructObjrMarked } from './struct-annotations';

const FONT_TYPES = new Set(['Font', 'FontDescriptor']);

function typeOf(v: PdfValue): { type?: string; subtype?: string } {
  const d = v instanceof PdfStream ? v.dict : isDict(v) ? v : undefined;
  return { type: nameOf(d?.get('Type')), subtype: nameOf(d?.get('Subtype')) };
}

/** Objects no role claims, judged by what they are: content, fonts and XObjects are the shadow-attack vectors. */
function classifyByType(ctx: StepContext, num: number, a: PdfValue): Finding {
  const { type, subtype } = typeOf(a);
  if (ctx.roles.content.has(num))
    return finding(num, 'PAGE_CONTENT_CHANGED', `page content object ${num} redefined`);
  if (ctx.roles.fonts.has(num) || FONT_TYPES.has(type ?? ''))
    return finding(num, 'SHADOW_REPLACE_FONT', `font object ${num} redefined`);
  if (ctx.roles.xobjects.has(num) || type === 'XObject' || subtype === 'Form' || subtype === 'Image')
    return finding(num, 'SHADOW_HIDE_AND_REPLACE', `XObject ${num} redefined`);
  if (type === 'XRef' || type === 'ObjStm')
    return finding(num, 'FILE_STRUCTURE', `${type} stream ${num} rewritten`);
  return finding(
    num,
    'OBJECT_OVERRIDDEN',
    `object ${num} (${type ?? (a instanceof PdfStream ? 'stream' : 'object')}) redefined`,
  );
}

function classifyDssPart(num: number, a: PdfValue, b: PdfValue): Finding {
  if (isDict(a) && isDict(b)) {
    const lost = [...a.map.keys()].filter((k) => !deepEqual(a.get(k), b.get(k)));
    if (lost.length) return finding(num, 'DSS_MALFORMED', `/VRI entry /${lost[0]} changed or removed`);
  }
  return finding(num, 'DSS_UPDATE', `DSS part ${num} extended`, { deps: [b] });
}

function classifyPageTreeNode(num: number, a: PdfValue, b: PdfValue): Finding {
  const keys = isDict(a) && isDict(b) ? differingKeys(a, b) : ['Kids'];
  const moved = keys.some((k) => k === 'Kids' || k === 'Count') || Array.isArray(a);
  if (moved) return finding(num, 'PAGES_ADDED_OR_REMOVED', `page tree node ${num}: /Kids or /Count changed`);
  if (keys.length === 1 && keys[0] === 'ITXT')
    return finding(num, 'WRITER_VERSION_MARK', `page tree node ${num}: /ITXT (iText version) set`);
  return finding(num, 'PAGE_CHANGED', `page tree node ${num}: /${keys.join(' /')} changed`);
}

/** Decides on one object of the older revision that the newer one redefines, by the role it had. */
export async function classifyOverride(ctx: StepContext, num: number): Promise<Finding[]> {
  const a = await ctx.old.getObject(num);
  const b = await ctx.cur.getObject(num);
  const r = ctx.roles;
  const sigField = r.sigDicts.get(num);
  if (sigField !== undefined)
    return [
      finding(num, 'SIGNATURE_DICTIONARY_ALTERED', `signature dictionary of ${sigField} altered`, {
        field: sigField,
      }),
    ];
  if (num === r.root) return classifyCatalog(ctx, num, a, b);
  if (num === r.info || num === r.metadata) return [classifyMetadataObject(ctx, num, b)];
  if (num === r.extensions) return [await classifyExtensionsObject(ctx, num, b)];
  if (num === r.acroForm)
    return classifyAcroForm(ctx, num, isDict(a) ? a : undefined, isDict(b) ? b : undefined);
  if (num === r.fieldsArray) return classifyList(ctx, num, a, b, 'AcroForm /Fields');
  if (num === r.acroFormDr) return [await classifyDr(ctx, num, new PdfRef(num, 0), new PdfRef(num, 0))];
  const annotsOf = r.annotsArrays.get(num);
  if (annotsOf !== undefined)
    return classifyList(ctx, num, a, b, `page ${r.pages.get(annotsOf)} /Annots`, annotsOf);
  if (r.pages.has(num)) return classifyPage(ctx, num, a, b);
  if (r.pageTreeNodes.has(num)) return [classifyPageTreeNode(num, a, b)];
  const field = r.fields.get(num);
  if (field) return classifyField(ctx, num, field, a, b);
  const ap = r.appearances.get(num);
  if (ap) return [await classifyAppearanceObject(ctx, num, ap, b)];
  if (num === r.dss) return [await classifyDss(ctx, num, a, b)];
  if (r.dssParts.has(num)) return [classifyDssPart(num, a, b)];
  if (r.structTree.has(num)) {
    const node = classifyStructNode(num, a, b);
    if (node.rule !== 'OBJECT_OVERRIDDEN') return [node];
    const annotationFollowUp =
      (await classifyStructAnnotationsRemoved(ctx, num, a, b)) ??
      (await classifyStructObjrMarked(ctx, num, a, b));
    return [annotationFollowUp ?? node];
  }
  if (r.annotations.has(num)) return [classifyAnnotation(ctx, num, b)];
  const resources =
    r.content.has(num) && isDict(a) ? await classifyResourcesObject(ctx, num, a, b) : undefined;
  if (resources) return [resources];
  return [classifyByType(ctx, num, a)];
}
