import { z } from 'zod';
import { DocumentTypeRefSchema, documentTypeCode } from './document';
import { AgencyCodeSchema, AgencyLevelSchema, RoleSchema, UsernameSchema } from './identity';

/** Document fields a stage condition may look at (kept small and total: no code, no loops). */
export const ConditionFieldSchema = z.enum(['priority', 'type', 'recipientLevel']);

export type Condition =
  | { field: z.infer<typeof ConditionFieldSchema>; op: 'eq' | 'ne'; value: string | number }
  | { field: z.infer<typeof ConditionFieldSchema>; op: 'in'; value: (string | number)[] }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/**
 * How deep `all` / `any` / `not` may nest in a stage condition. Real rules need two or three levels; the bound keeps
 * parsing and evaluation (both recursive) far from the stack limit. Deeper conditions are refused (422).
 */
export const MAX_CONDITION_DEPTH = 16;

/** Nesting depth of a condition-like value, counted without recursion and stopping past `limit`. */
function conditionDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    max = Math.max(max, depth);
    if (max > limit) return max;
    const n = node as { all?: unknown; any?: unknown; not?: unknown };
    for (const list of [n.all, n.any])
      if (Array.isArray(list)) for (const c of list) stack.push([c, depth + 1]);
    if (n.not !== undefined) stack.push([n.not, depth + 1]);
  }
  return max;
}

const ConditionShapeSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z
      .object({
        field: ConditionFieldSchema,
        op: z.enum(['eq', 'ne']),
        value: z.union([z.string().max(200), z.number()]),
      })
      .strict()
      .transform((c) => (c.field === 'type' ? { ...c, value: documentTypeCode(c.value) as string } : c)),
    z
      .object({
        field: ConditionFieldSchema,
        op: z.literal('in'),
        value: z
          .array(z.union([z.string().max(200), z.number()]))
          .min(1)
          .max(100),
      })
      .strict()
      .transform((c) =>
        c.field === 'type' ? { ...c, value: c.value.map((v) => documentTypeCode(v) as string) } : c,
      ),
    z.object({ all: z.array(ConditionSchema).min(1) }).strict(),
    z.object({ any: z.array(ConditionSchema).min(1) }).strict(),
    z.object({ not: ConditionSchema }).strict(),
  ]),
);

/** A stage condition, at most {@link MAX_CONDITION_DEPTH} levels deep (checked before the recursive parse). */
export const ConditionSchema: z.ZodType<Condition> = z
  .unknown()
  .superRefine((value, ctx) => {
    if (conditionDepth(value, MAX_CONDITION_DEPTH) > MAX_CONDITION_DEPTH)
      ctx.addIssue({ code: 'custom', message: `conditions nest at most ${MAX_CONDITION_DEPTH} levels deep` });
  })
  .pipe(ConditionShapeSchema);

/** What happens when a stage's deadline passes. */
export const EscalationSchema = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('role'), role: RoleSchema })
    .describe('hand the stage to holders of a higher role'),
  z.object({ kind: z.literal('user'), username: UsernameSchema }),
  z.object({ kind: z.literal('stage'), stage: z.string() }).describe('jump to another stage'),
  z.object({ kind: z.literal('return_to_drafter') }),
]);
export type Escalation = z.infer<typeof EscalationSchema>;

export const StageModeSchema = z.union([
  z.literal('all'),
  z.literal('any'),
  z.object({ quorum: z.number().int().min(1) }),
]);
export type StageMode = z.infer<typeof StageModeSchema>;

export const StageSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/),
  name: z.string().min(1).max(200),
  approvers: z.object({
    roles: z.array(RoleSchema).default([]),
    users: z.array(UsernameSchema).default([]),
  }),
  mode: StageModeSchema.default('any'),
  deadlineHours: z
    .number()
    .positive()
    .max(24 * 90)
    .optional(),
  reminderBeforeHours: z.number().positive().optional(),
  escalation: EscalationSchema.optional(),
  when: ConditionSchema.optional(),
});
export type Stage = z.infer<typeof StageSchema>;

/**
 * An approval flow as data, edited by administrators: for one agency or as the default of an agency level, for
 * some document types (none listed: all), with ordered stages.
 */
export const FlowDefinitionSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,79}$/, 'lowercase letters, digits, dot, dash, underscore'),
  title: z.string().min(1).max(200),
  scope: z.union([
    z.object({ agency: AgencyCodeSchema }).strict(),
    z.object({ level: AgencyLevelSchema }).strict(),
  ]),
  /**
   * Document types by code (`CV`, `QD` …) or name ("Công văn"), stored as codes; an unknown type is refused rather
   * than never matching.
   */
  documentTypes: z.array(DocumentTypeRefSchema).default([]),
  stages: z.array(StageSchema).min(1).max(20),
});
export type FlowDefinition = z.infer<typeof FlowDefinitionSchema>;
export type FlowDefinitionInput = z.input<typeof FlowDefinitionSchema>;

export const FlowVersionSchema = z.object({
  name: z.string(),
  version: z.number().int().min(1),
  definition: FlowDefinitionSchema,
  createdAt: z.string(),
  createdBy: z.string(),
});
export type FlowVersion = z.infer<typeof FlowVersionSchema>;

export const FlowSummarySchema = z.object({
  name: z.string(),
  title: z.string(),
  scope: FlowDefinitionSchema.shape.scope,
  activeVersion: z.number().int().nullable(),
  latestVersion: z.number().int(),
});
export type FlowSummary = z.infer<typeof FlowSummarySchema>;

/** The document facts conditions and approver resolution look at. */
export const FlowSubjectSchema = z.object({
  id: z.string().optional(),
  agency: AgencyCodeSchema,
  /** A type code; a name given in a simulation sample ("Công văn") is read as its code. */
  type: z.preprocess(documentTypeCode, z.string()),
  priority: z.number().int().default(0),
  recipientLevels: z.array(z.string()).default([]),
});
export type FlowSubject = z.infer<typeof FlowSubjectSchema>;

/** A stage resolved for one document: the concrete approvers and how many must approve. */
export const ResolvedStageSchema = z.object({
  id: z.string(),
  name: z.string(),
  approvers: z.array(z.string()),
  required: z.number().int(),
  deadlineHours: z.number().optional(),
  reminderBeforeHours: z.number().optional(),
  escalation: EscalationSchema.optional(),
});
export type ResolvedStage = z.infer<typeof ResolvedStageSchema>;

export const ResolvedFlowSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  stages: z.array(ResolvedStageSchema),
});
export type ResolvedFlow = z.infer<typeof ResolvedFlowSchema>;
