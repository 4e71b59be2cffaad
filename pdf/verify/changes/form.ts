import { PdfDict, PdfRef, PdfStream, type PdfValue, deepEqual, isDict } from '../../core/objects';
import { type Finding, type StepContext, differingKeys, finding, isInvisibleTimestamp } from './context';
import { classifyList } from './items';
import { usedOnlyThrough } from './referrers';
import type { FieldRole } from './roles';

/**
 * Field keys that filling or signing may change (pyHanko VALUE_UPDATE_KEYS; ISO 32000-1 12.7.3.1, 12.5.2), with a
 * choice field's /I (selected option indexes, 12.7.4.4 Table 231), which is part of its value as iText reads it.
 */
const VALUE_KEYS = new Set(['V', 'I', 'AP', 'AS', 'F', 'DA', 'Q', 'Ff', 'Type']);
/** The keys that hold a field's value: /V, and /I beside it for choice fields. */
const isValueKey = (k: string) => k === 'V' || k === 'I';
/** AcroForm keys a signer or form filler may change (ISO 32000-1 12.7.2 Table 218). */
const ACROFORM_RULES = {
  SigFlags: 'ACROFORM_UPDATE',
  DA: 'ACROFORM_UPDATE',
  Q: 'ACROFORM_UPDATE',
  NeedAppearances: 'NEED_APPEARANCES',
} as const;

/**
 * /DR may gain resources; the ones the signed revision had must keep their objects (else fonts can be swapped).
 * `a` and `b` are the old and new /DR values, or the same reference when the indirect /DR is redefined in place.
 */
export async function classifyDr(
  ctx: StepContext,
  holder: number,
  a: PdfValue | undefined,
  b: PdfValue | undefined,
) {
  const oldDr = await ctx.old.resolveDict(a);
  const newDr = await ctx.cur.resolveDict(b);
  for (const [kind, oldSub] of oldDr?.map ?? []) {
    const o = await ctx.old.resolveDict(oldSub);
    const n = await ctx.cur.resolveDict(newDr?.get(kind));
    for (const [name, v] of o?.map ?? [])
      if (!deepEqual(v, n?.get(name)))
        return finding(holder, 'SHADOW_REPLACE_FONT', `AcroForm /DR /${kind} /${name} redefined`);
  }
  return finding(holder, 'ACROFORM_DR', 'AcroForm /DR extended', { deps: [b ?? null] });
}

/** Compares two AcroForm dictionaries (ISO 32000-1 12.7.2), whichever objects hold them. */
export async function classifyAcroForm(
  ctx: StepContext,
  holder: number,
  a: PdfDict | undefined,
  b: PdfDict | undefined,
): Promise<Finding[]> {
  if (!b) return [finding(holder, 'ACROFORM_CHANGED', 'AcroForm removed')];
  const out: Finding[] = [];
  for (const key of differingKeys(a ?? new PdfDict(), b)) {
    if (key === 'Fields')
      out.push(...(await classifyList(ctx, holder, a?.get('Fields'), b.get('Fields'), 'AcroForm /Fields')));
    else if (key === 'DR') out.push(await classifyDr(ctx, holder, a?.get('DR'), b.get('DR')));
    else if (key in ACROFORM_RULES)
      out.push(
        finding(holder, ACROFORM_RULES[key as keyof typeof ACROFORM_RULES], `AcroForm /${key} changed`),
      );
    else out.push(finding(holder, 'ACROFORM_CHANGED', `AcroForm /${key} changed`));
  }
  return out;
}

/** Appearance streams an /AP dictionary names (12.5.5), as object numbers. */
async function appearanceStreams(ctx: StepContext, ap: PdfValue | undefined): Promise<number[]> {
  const d = await ctx.cur.resolveDict(ap);
  const out: number[] = [];
  for (const key of ['N', 'R', 'D']) {
    const v = d?.get(key);
    if (v instanceof PdfRef) out.push(v.num);
    const states = await ctx.cur.resolve(v);
    if (isDict(states)) for (const s of states.map.values()) if (s instanceof PdfRef) out.push(s.num);
  }
  return out;
}

/**
 * Whether object `num` of the signed revision is reached only through the objects of field `role` (its field
 * dictionary, widgets, /Kids array and indirect /AP dictionaries): pyHanko's condition for rewriting a field's
 * appearance stream in place, or replacing an indirect /AP dictionary, without touching anything else.
 */
async function usedOnlyByField(ctx: StepContext, num: number, role: FieldRole): Promise<boolean> {
  const anchors = new Set<number>();
  const own = new Set<number>();
  for (const [n, r] of ctx.roles.fields) if (r.name === role.name) anchors.add(n);
  for (const [n, r] of ctx.roles.appearances) if (r.name === role.name) own.add(n);
  return usedOnlyThrough(await ctx.referrers(), num, ({ holder }) =>
    anchors.has(holder) ? 'anchor' : own.has(holder) ? 'own' : 'foreign',
  );
}

/** Refuses replacing a field's indirect /AP dictionary that the signed revision also uses elsewhere. */
async function sharedOldAppearance(
  ctx: StepContext,
  holder: number,
  role: FieldRole,
  oldAp: PdfValue | undefined,
): Promise<Finding | undefined> {
  if (!(oldAp instanceof PdfRef) || (await usedOnlyByField(ctx, oldAp.num, role))) return undefined;
  return finding(
    holder,
    'SHARED_OBJECT_OVERRIDDEN',
    `field ${role.name}: its /AP dictionary ${oldAp.num} is also used outside the field`,
    { field: role.name },
  );
}

/**
 * Decides on a new appearance for a field: allowed when it re-uses the field's own appearance streams, is new and
 * the field is being filled (it was empty) or form filling is permitted; a stream borrowed from another object, or
 * a new look for a field that had a value, is the replace attack.
 */
async function classifyAppearanceValue(
  ctx: StepContext,
  holder: number,
  role: FieldRole,
  ap: PdfValue | undefined,
): Promise<Finding> {
  const streams = await appearanceStreams(ctx, ap);
  const foreign = streams.filter(
    (n) => !ctx.diff.added.has(n) && ctx.roles.appearances.get(n)?.name !== role.name,
  );
  if (foreign.length)
    return finding(
      holder,
      'SHADOW_REPLACE_FIELD',
      `field ${role.name}: appearance borrowed from object ${foreign[0]}`,
      {
        field: role.name,
      },
    );
  if (role.ft === 'Sig' && role.hasValue)
    return finding(holder, 'SIGNATURE_DICTIONARY_ALTERED', `signed field ${role.name}: appearance changed`, {
      field: role.name,
    });
  const reused = streams.every((n) => !ctx.diff.added.has(n));
  if (reused || !role.hasValue || ctx.permissions !== undefined)
    return finding(
      holder,
      'FIELD_APPEARANCE_UPDATED',
      `field ${role.name}: appearance ${reused ? 're-uses its own streams' : 'updated'}`,
      { field: role.name, deps: [ap ?? null] },
    );
  return finding(holder, 'SHADOW_REPLACE_FIELD', `field ${role.name}: appearance of a filled field swapped`, {
    field: role.name,
  });
}

/** A field dictionary or widget of the signed revision redefined (12.7.3.1, 12.7.4.5). */
export async function classifyField(
  ctx: StepContext,
  num: number,
  role: FieldRole,
  a: PdfValue,
  b: PdfValue,
): Promise<Finding[]> {
  if (!isDict(a) || !isDict(b))
    return [finding(num, 'FIELD_CHANGED', `field ${role.name}: object ${num} replaced`)];
  const keys = differingKeys(a, b);
  const other = keys.filter((k) => !VALUE_KEYS.has(k));
  if (Array.isArray(a.get('Kids')) && other.length === 1 && other[0] === 'Kids')
    return classifyList(ctx, num, a.get('Kids'), b.get('Kids'), `field ${role.name} /Kids`);
  if (other.length)
    return [
      finding(num, 'FIELD_CHANGED', `field ${role.name}: /${other.join(' /')} changed`, { field: role.name }),
    ];
  const shared = keys.includes('AP') ? await sharedOldAppearance(ctx, num, role, a.get('AP')) : undefined;
  if (shared) return [shared];
  if (role.ft === 'Sig') {
    if (role.hasValue || a.get('V') !== undefined)
      return [
        finding(
          num,
          'SIGNATURE_DICTIONARY_ALTERED',
          `signed field ${role.name}: /${keys.join(' /')} changed`,
          { field: role.name },
        ),
      ];
    if (b.get('V') !== undefined) {
      const rule = (await isInvisibleTimestamp(ctx, b, b)) ? 'DOC_TIMESTAMP_ADDED' : 'SIGNATURE_FIELD_FILLED';
      return [
        finding(num, rule, `empty signature field ${role.name} signed`, {
          field: role.name,
          deps: [b.get('V')!, b.get('AP') ?? null],
        }),
      ];
    }
  }
  const out: Finding[] = [];
  const valueKeys = keys.filter(isValueKey);
  if (valueKeys.length) {
    const replace = role.hasValue && ctx.permissions === undefined;
    out.push(
      finding(
        num,
        replace ? 'SHADOW_REPLACE_FIELD' : 'FORM_FIELD_FILLED',
        `field ${role.name}: value (/${valueKeys.join(' /')}) ${role.hasValue ? 'changed' : 'set'}`,
        {
          field: role.name,
          deps: [b.get('V') ?? null, b.get('I') ?? null],
        },
      ),
    );
  }
  if (keys.includes('AP')) out.push(await classifyAppearanceValue(ctx, num, role, b.get('AP')));
  const display = keys.filter((k) => !isValueKey(k) && k !== 'AP');
  if (display.length) out.push(classifyDisplayKeys(ctx, num, role, display));
  return out;
}

/**
 * /AS, /F, /DA, /Q change how a field shows (a /F Hidden flag hides it): free while the field is being filled or
 * filling is permitted, the replace attack on a field that had a value. /Ff and /Type alone are always allowed,
 * as pyHanko does (Acrobat sets /Ff liberally).
 */
function classifyDisplayKeys(ctx: StepContext, num: number, role: FieldRole, keys: string[]): Finding {
  const what = `field ${role.name}: /${keys.join(' /')} changed`;
  const flagsOnly = keys.every((k) => k === 'Ff' || k === 'Type');
  return flagsOnly || !role.hasValue || ctx.permissions !== undefined
    ? finding(num, 'FIELD_APPEARANCE_UPDATED', what, { field: role.name })
    : finding(num, 'SHADOW_REPLACE_FIELD', what, { field: role.name });
}

/** An /AP dictionary or appearance stream of a field redefined in place. */
export async function classifyAppearanceObject(
  ctx: StepContext,
  num: number,
  role: FieldRole,
  b: PdfValue,
): Promise<Finding> {
  if (ctx.roles.xobjects.has(num) || ctx.roles.content.has(num))
    return finding(
      num,
      'SHADOW_HIDE_AND_REPLACE',
      `appearance ${num} of field ${role.name} is also drawn by a page`,
    );
  if (!(await usedOnlyByField(ctx, num, role)))
    return finding(
      num,
      'SHARED_OBJECT_OVERRIDDEN',
      `appearance ${num} of field ${role.name} is also used outside the field`,
      { field: role.name },
    );
  if (role.ft === 'Sig' && role.hasValue)
    return finding(
      num,
      'SIGNATURE_DICTIONARY_ALTERED',
      `appearance ${num} of signed field ${role.name} rewritten`,
      {
        field: role.name,
      },
    );
  if (b instanceof PdfStream) {
    const allowed = !role.hasValue || ctx.permissions !== undefined;
    return allowed
      ? finding(num, 'FIELD_APPEARANCE_UPDATED', `appearance stream ${num} of field ${role.name} rewritten`, {
          field: role.name,
        })
      : finding(
          num,
          'SHADOW_REPLACE_FIELD',
          `appearance stream ${num} of filled field ${role.name} rewritten`,
          { field: role.name },
        );
  }
  return classifyAppearanceValue(ctx, num, role, b);
}
