import type { Condition, FlowDefinition, FlowSubject, ResolvedFlow, Stage } from '../schemas/flow';

/** Evaluates a stage condition against a document; total: every condition yields true or false. */
export function evaluate(condition: Condition, subject: FlowSubject): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluate(c, subject));
  if ('any' in condition) return condition.any.some((c) => evaluate(c, subject));
  if ('not' in condition) return !evaluate(condition.not, subject);
  const values: (string | number)[] =
    condition.field === 'priority'
      ? [subject.priority]
      : condition.field === 'type'
        ? [subject.type]
        : subject.recipientLevels;
  switch (condition.op) {
    case 'eq':
      return values.some((v) => v === condition.value);
    case 'ne':
      return values.every((v) => v !== condition.value);
    case 'in':
      return values.some((v) => condition.value.includes(v));
  }
}

function required(stage: Stage, approverCount: number): number {
  if (stage.mode === 'any') return Math.min(1, approverCount);
  if (stage.mode === 'all') return approverCount;
  return Math.min(stage.mode.quorum, approverCount);
}

/**
 * The stages and concrete approvers a document goes through under a flow version. `membersOf(role)` lists the
 * active users of the document's agency holding a role; named users are taken as given. Pure and deterministic
 * (sorted approvers), so it can run in a workflow or an API simulation alike.
 */
export function resolveFlow(
  def: FlowDefinition,
  version: number,
  subject: FlowSubject,
  membersOf: (role: string) => string[],
): ResolvedFlow {
  const stages = def.stages
    .filter((stage) => !stage.when || evaluate(stage.when, subject))
    .map((stage) => {
      const approvers = [
        ...new Set([...stage.approvers.users, ...stage.approvers.roles.flatMap((r) => membersOf(r))]),
      ].sort();
      return {
        id: stage.id,
        name: stage.name,
        approvers,
        required: required(stage, approvers.length),
        deadlineHours: stage.deadlineHours,
        reminderBeforeHours: stage.reminderBeforeHours,
        escalation: stage.escalation,
      };
    });
  return { name: def.name, version, stages };
}

/** Whether a flow applies to a document type (no types listed: every type). */
export function appliesTo(def: FlowDefinition, type: string): boolean {
  return def.documentTypes.length === 0 || (def.documentTypes as string[]).includes(type);
}
