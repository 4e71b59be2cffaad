import type { FlowDefinition } from '../schemas/flow';

export interface FlowIssue {
  /** Dotted path of the offending field, e.g. `stages.1.mode.quorum`. */
  path: string;
  message: string;
}

/**
 * Domain checks beyond the schema: no empty stage, unique stage ids, quorum within the approver set, reminder
 * strictly before the deadline, escalation targets that exist, and no escalation cycle between stages.
 * `roleHolders` tells how many users hold a role in the flow's agency (unknown for level-wide defaults: then only
 * named users count toward the quorum bound when no role is listed).
 */
export function validateFlow(def: FlowDefinition, roleHolders?: (role: string) => number): FlowIssue[] {
  const issues: FlowIssue[] = [];
  const ids = new Map<string, number>();
  def.stages.forEach((stage, i) => {
    const at = `stages.${i}`;
    if (ids.has(stage.id)) issues.push({ path: `${at}.id`, message: `duplicate stage id "${stage.id}"` });
    ids.set(stage.id, i);
    const { roles, users } = stage.approvers;
    if (roles.length === 0 && users.length === 0) {
      issues.push({ path: `${at}.approvers`, message: 'a stage needs at least one approver role or user' });
    }
    if (typeof stage.mode === 'object') {
      const bound =
        roles.length === 0
          ? users.length
          : roleHolders
            ? users.length + roles.reduce((n, r) => n + roleHolders(r), 0)
            : Number.POSITIVE_INFINITY;
      if (stage.mode.quorum > bound) {
        issues.push({
          path: `${at}.mode.quorum`,
          message: `quorum ${stage.mode.quorum} exceeds the ${bound} possible approvers`,
        });
      }
    }
    if (stage.reminderBeforeHours !== undefined) {
      if (stage.deadlineHours === undefined) {
        issues.push({ path: `${at}.reminderBeforeHours`, message: 'a reminder needs a deadline' });
      } else if (stage.deadlineHours <= stage.reminderBeforeHours) {
        issues.push({ path: `${at}.deadlineHours`, message: 'the deadline must be later than the reminder' });
      }
    }
    if (stage.escalation && stage.deadlineHours === undefined) {
      issues.push({ path: `${at}.escalation`, message: 'an escalation needs a deadline' });
    }
  });
  def.stages.forEach((stage, i) => {
    if (stage.escalation?.kind === 'stage' && !ids.has(stage.escalation.stage)) {
      issues.push({
        path: `stages.${i}.escalation.stage`,
        message: `unknown stage "${stage.escalation.stage}"`,
      });
    }
  });
  const cycle = findEscalationCycle(def);
  if (cycle) {
    issues.push({
      path: `stages.${ids.get(cycle[0])}.escalation`,
      message: `escalation cycle: ${cycle.join(' → ')}`,
    });
  }
  return issues;
}

/** Stages linked by `escalation: {kind:'stage'}` must not loop (a document could then never leave approval). */
function findEscalationCycle(def: FlowDefinition): string[] | null {
  const next = new Map<string, string>();
  for (const s of def.stages) if (s.escalation?.kind === 'stage') next.set(s.id, s.escalation.stage);
  for (const start of next.keys()) {
    const seen: string[] = [];
    let current: string | undefined = start;
    while (current !== undefined) {
      const at = seen.indexOf(current);
      if (at >= 0) return [...seen.slice(at), current];
      seen.push(current);
      current = next.get(current);
    }
  }
  return null;
}
