import type { FlowDefinition, Stage } from '../schemas/flow';
import type { FlowIssue } from './validate';

/** What the approver checks need to know about a user. */
export interface DirectoryUser {
  username: string;
  agency: string;
  roles: readonly string[];
  active: boolean;
}

/**
 * The people a flow may name: `users` looked up by name (any agency, active or not, so a wrong one can be reported
 * precisely) and `agencies`, the agencies the flow applies to (its agency, or the active agencies of its level).
 */
export interface ApproverDirectory {
  users: ReadonlyMap<string, DirectoryUser>;
  agencies: readonly string[];
}

function needed(stage: Stage): number {
  return typeof stage.mode === 'object' ? stage.mode.quorum : 1;
}

/**
 * Named approvers (and escalation targets) must be active users of the agencies the flow applies to; a stage naming
 * anyone else could never complete (issue 12, finding 10). Checked when a flow is saved and again when activated.
 */
export function namedApproverIssues(def: FlowDefinition, directory: ApproverDirectory): FlowIssue[] {
  const issues: FlowIssue[] = [];
  const check = (username: string, path: string) => {
    const user = directory.users.get(username);
    // Unknown and foreign read the same, so a flow editor cannot probe other agencies' usernames.
    if (!user || !directory.agencies.includes(user.agency))
      issues.push({ path, message: `${username} is not a user of the agencies this flow applies to` });
    else if (!user.active) issues.push({ path, message: `${username} is deactivated` });
  };
  def.stages.forEach((stage, i) => {
    stage.approvers.users.forEach((u, j) => check(u, `stages.${i}.approvers.users.${j}`));
    if (stage.escalation?.kind === 'user')
      check(stage.escalation.username, `stages.${i}.escalation.username`);
  });
  return issues;
}

/**
 * Stages of a flow that a change to `username` would leave unable to complete in `agency`: the user is named in
 * the stage (or as its escalation target), or the stage would have fewer possible approvers than it needs where it
 * had enough before. `after` is the user as the change would leave them (null: deactivated).
 */
export function stagesBrokenBy(
  def: FlowDefinition,
  agency: string,
  agencyUsers: readonly DirectoryUser[],
  username: string,
  after: DirectoryUser | null,
): FlowIssue[] {
  const stillActs = after !== null && after.active && after.agency === agency;
  const issues: FlowIssue[] = [];
  def.stages.forEach((stage, i) => {
    const path = `stages.${i}`;
    const named =
      stage.approvers.users.includes(username) ||
      (stage.escalation?.kind === 'user' && stage.escalation.username === username);
    if (named && !(after?.active ?? false)) {
      issues.push({ path, message: `stage "${stage.id}" names ${username}` });
      return;
    }
    const count = (users: readonly DirectoryUser[]) =>
      new Set([
        ...stage.approvers.users,
        ...users
          .filter(
            (u) => u.active && u.agency === agency && stage.approvers.roles.some((r) => u.roles.includes(r)),
          )
          .map((u) => u.username),
      ]).size;
    const before = count(agencyUsers);
    const others = agencyUsers.filter((u) => u.username !== username);
    const afterCount = count(stillActs ? [...others, after] : others);
    if (afterCount < needed(stage) && before >= needed(stage)) {
      issues.push({
        path,
        message: `stage "${stage.id}" would have ${afterCount} possible approvers, it needs ${needed(stage)}`,
      });
    }
  });
  return issues;
}
