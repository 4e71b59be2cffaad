import { PdfReader } from '../../core/document';
import { type PdfDict, PdfRef, PdfStream, deepEqual, isDict, nameOf } from '../../core/objects';
import { classifyRootReplaced } from './catalog';
import { classifyOverride } from './classify';
import { type Finding, type StepContext, finding } from './context';
import { diffRevisions, newDependencies } from './diff';
import { isLocked, readDocMdp, readFieldMdp } from './mdp';
import { comparePageLists } from './pages';
import { type Referrers, referrersOf } from './referrers';
import { rolesOf } from './roles';
import { CHANGE_RULES, type ChangeRuleId, levelRank, maxLevel } from './rules';
import type { Change, ChangeAnalysis, DocMdpPolicy, FieldMdpPolicy, RevisionChanges } from './types';

/** Changes a FieldMDP lock forbids on a locked field (pyHanko's `valid_when_locked` false). */
const LOCK_RELEVANT = new Set<ChangeRuleId>([
  'FORM_FIELD_FILLED',
  'FIELD_APPEARANCE_UPDATED',
  'SIGNATURE_FIELD_FILLED',
]);

interface Policy {
  docMdp?: DocMdpPolicy;
  fieldMdp?: FieldMdpPolicy;
  permissions?: 1 | 2 | 3;
  /** Fields of the signed revision: a lock covers those, not fields added later. */
  signedFields: Set<string>;
}

async function trailerFindings(ctx: StepContext): Promise<Finding[]> {
  const out: Finding[] = [];
  if (!deepEqual(ctx.old.trailer.get('Root'), ctx.cur.trailer.get('Root')))
    out.push(...(await classifyRootReplaced(ctx)));
  const info = ctx.cur.trailer.get('Info');
  if (!deepEqual(ctx.old.trailer.get('Info'), info)) {
    const ok = info instanceof PdfRef && isDict(await ctx.cur.getObject(info.num));
    out.push(
      ok
        ? finding(0, 'INFO_UPDATE', `trailer /Info set to object ${info.num}`, { deps: [info] })
        : finding(0, 'OBJECT_OVERRIDDEN', 'trailer /Info is not a dictionary'),
    );
  }
  return out;
}

/** Attaches to each finding the new objects it brings in; new objects nothing refers to are reported together. */
async function accountNewObjects(ctx: StepContext, findings: Finding[]): Promise<Map<Finding, number[]>> {
  const claimed = new Set<number>();
  const owned = new Map<Finding, number[]>();
  for (const f of findings) {
    // A refused change claims what its object now refers to, so that it is not reported as an orphan.
    const fallback = !CHANGE_RULES[f.rule].allowed && f.object > 0 ? [await ctx.cur.getObject(f.object)] : [];
    const deps = await newDependencies(ctx.cur, ctx.diff.added, f.deps ?? fallback);
    owned.set(f, deps);
    for (const n of deps) claimed.add(n);
  }
  const structure: number[] = [];
  const orphans: number[] = [];
  const reused: number[] = [];
  for (const n of [...ctx.diff.added].sort((x, y) => x - y)) {
    if (claimed.has(n)) continue;
    const v = await ctx.cur.getObject(n);
    const type = nameOf(v instanceof PdfStream ? v.dict.get('Type') : isDict(v) ? v.get('Type') : undefined);
    // Writers number new objects from /Size up; an unclaimed object below it may fill a dangling reference.
    (type === 'XRef' || type === 'ObjStm' ? structure : n < ctx.old.size ? reused : orphans).push(n);
  }
  for (const [list, rule, what] of [
    [structure, 'FILE_STRUCTURE', 'cross-reference/object stream(s)'],
    [orphans, 'UNREFERENCED_OBJECTS', 'new object(s) no changed object refers to'],
    [
      reused,
      'DANGLING_REFERENCE_FILLED',
      'object(s) defined below the signed /Size that no change refers to',
    ],
  ] as const) {
    if (!list.length) continue;
    const f = finding(list[0]!, rule, `${list.length} ${what}`);
    findings.push(f);
    owned.set(f, list);
  }
  return owned;
}

/** Applies FieldMDP locks and the DocMDP (or /Lock /P) permission to a rule's decision (12.8.2.2, 12.8.2.4). */
function decide(f: Finding, revision: number, policy: Policy, newObjects: number[]): Change {
  let rule: ChangeRuleId = f.rule;
  let detail = f.detail;
  const spec = CHANGE_RULES[rule];
  if (
    spec.allowed &&
    LOCK_RELEVANT.has(rule) &&
    f.field &&
    policy.signedFields.has(f.field) &&
    isLocked(policy.fieldMdp, f.field)
  ) {
    detail = `${detail} (field ${f.field} is locked)`;
    rule = 'FIELD_LOCKED';
  } else if (spec.allowed && policy.permissions !== undefined && levelRank(spec.level) > policy.permissions) {
    detail = `${detail} (${rule} is not permitted by P=${policy.permissions})`;
    rule = 'DOCMDP_FORBIDS';
  }
  const decided = CHANGE_RULES[rule];
  return {
    revision,
    object: f.object,
    rule,
    allowed: decided.allowed,
    level: decided.level,
    ...(f.field !== undefined ? { field: f.field } : {}),
    ...(newObjects.length ? { newObjects } : {}),
    detail,
  };
}

async function analyseStep(
  old: PdfReader,
  cur: PdfReader,
  revision: number,
  policy: Policy,
): Promise<RevisionChanges> {
  let referrers: Promise<Referrers> | undefined;
  const ctx: StepContext = {
    old,
    cur,
    roles: await rolesOf(old),
    diff: await diffRevisions(old, cur),
    permissions: policy.permissions,
    referrers: () => (referrers ??= referrersOf(old)),
  };
  const findings: Finding[] = await trailerFindings(ctx);
  for (const num of ctx.diff.freed) findings.push(finding(num, 'OBJECT_FREED', `object ${num} freed`));
  for (const num of [...ctx.diff.overridden].sort((x, y) => x - y))
    findings.push(...(await classifyOverride(ctx, num)));
  // The page list can only change through the catalog or a page-tree node: compare it only then.
  const touched = [...ctx.diff.overridden, ...ctx.diff.freed];
  const treeTouched = touched.some((num) => num === ctx.roles.root || ctx.roles.pageTreeNodes.has(num));
  const rootMoved = !deepEqual(old.trailer.get('Root'), cur.trailer.get('Root'));
  const pages = treeTouched || rootMoved ? await comparePageLists(ctx) : undefined;
  if (pages) findings.push(pages);
  const owned = await accountNewObjects(ctx, findings);
  const changes = findings.map((f) => decide(f, revision, policy, owned.get(f) ?? []));
  const level = changes.reduce((l, c) => maxLevel(l, c.level), 'NONE' as Change['level']);
  return { revision, level, changes };
}

/** Later revisions as readers: a prefix ending at a %%EOF counts only if the full file's xref chain passes by it. */
async function laterRevisions(full: PdfReader, signedLength: number, revisionEnds: number[]) {
  const sections = new Set(full.sections.map((s) => s.offset));
  const out: { end: number; reader: PdfReader }[] = [];
  for (const end of revisionEnds) {
    if (end <= signedLength || end >= full.src.size) continue;
    const reader = await PdfReader.openPrefix(full.src, end).catch(() => undefined);
    if (reader && sections.has(reader.startXref)) out.push({ end, reader });
  }
  out.push({ end: full.src.size, reader: full });
  return out;
}

function minPermission(a?: 1 | 2 | 3, b?: 1 | 2 | 3): 1 | 2 | 3 | undefined {
  return a === undefined ? b : b === undefined ? a : (Math.min(a, b) as 1 | 2 | 3);
}

/**
 * Analyses every revision after the one a signature covers, each against the revision before it (as pyHanko's
 * `StandardDiffPolicy.review_file` does: an intermediate change may no longer be visible in the last revision).
 * Every added, redefined or freed object is matched to a rule of `CHANGE_RULES`; DocMDP (ISO 32000-1 12.8.2.2) and
 * FieldMDP (12.8.2.4, 12.7.4.5 /Lock, with ISO 32000-2 /Lock /P) of the signature then narrow what is allowed.
 * `revisionEnds` are the offsets just past each %%EOF, `signedLength` the end of the signed revision.
 * Throws PdfError when the signed revision cannot be read.
 */
export async function analyseChanges(
  full: PdfReader,
  signedLength: number,
  signature: { fieldName: string; dict: PdfDict },
  revisionEnds: number[],
): Promise<ChangeAnalysis> {
  const base = await PdfReader.openPrefix(full.src, signedLength, { recover: true });
  const fields = await base.fields();
  const own = fields.find((f) => f.name === signature.fieldName)?.dict;
  const docMdp = await readDocMdp(base, signature.dict, signature.fieldName);
  const fieldMdp = await readFieldMdp(base, signature.dict, own);
  const policy: Policy = {
    docMdp,
    fieldMdp,
    permissions: minPermission(docMdp?.permissions, fieldMdp?.permissions),
    signedFields: new Set(fields.map((f) => f.name)),
  };
  const numberOf = (end: number) => {
    const i = revisionEnds.indexOf(end);
    return i >= 0 ? i + 1 : revisionEnds.filter((e) => e < end).length + 1;
  };
  const revisions: RevisionChanges[] = [];
  let old = base;
  for (const { end, reader } of await laterRevisions(full, signedLength, revisionEnds)) {
    revisions.push(await analyseStep(old, reader, numberOf(end), policy));
    old = reader;
  }
  const modificationLevel = revisions.reduce(
    (l, r) => maxLevel(l, r.level),
    'NONE' as ChangeAnalysis['modificationLevel'],
  );
  return {
    modificationLevel,
    ...(docMdp ? { docMdp } : {}),
    ...(fieldMdp ? { fieldMdp } : {}),
    revisions,
    changes: revisions.flatMap((r) => r.changes),
  };
}
