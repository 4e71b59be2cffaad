import { namedApproverIssues, stagesBrokenBy, type DirectoryUser } from '../flows/approvers';
import { LienthongError } from '../schemas/errors';
import type { FlowDefinition } from '../schemas/flow';
import type { User } from '../schemas/identity';
import { FlowStore } from '../store/flow-store';
import type { AppDeps } from './deps';

/** The agencies a flow applies to: its own agency, or every active agency of its level. */
async function flowAgencies(deps: AppDeps, def: FlowDefinition): Promise<string[]> {
  if ('agency' in def.scope) return [def.scope.agency];
  const level = def.scope.level;
  return (await deps.identity.listAgencies({ level })).filter((a) => a.active).map((a) => a.code);
}

/**
 * @throws LienthongError DOMAIN_VALIDATION (422) naming each `stages.i.approvers.users.j` that is not an active
 * user of the agencies the flow applies to.
 */
export async function assertNamedApprovers(deps: AppDeps, def: FlowDefinition): Promise<void> {
  const names = new Set(def.stages.flatMap((s) => s.approvers.users));
  for (const s of def.stages) if (s.escalation?.kind === 'user') names.add(s.escalation.username);
  const users = new Map<string, DirectoryUser>();
  for (const name of names) {
    const user = await deps.identity.getUser(name);
    if (user) users.set(name, user);
  }
  const issues = namedApproverIssues(def, { users, agencies: await flowAgencies(deps, def) });
  if (issues.length)
    throw new LienthongError('DOMAIN_VALIDATION', 'the flow names approvers who cannot act', {
      errors: issues,
    });
}

/**
 * Refuses a change to a user (deactivation, roles, agency) that would leave an active flow of the user's agency
 * (or of its level) without enough people to approve: 409 naming the flow; change the flow first.
 * `after` is the user as the change leaves them, null for a deactivation.
 */
export async function assertNoFlowLosesApprovers(
  deps: AppDeps,
  user: User,
  after: User | null,
): Promise<void> {
  if (!user.active || !deps.db) return;
  const agency = await deps.identity.getAgency(user.agency);
  const flows = new FlowStore(deps.db);
  const summaries = (await flows.list()).filter(
    (f) =>
      f.activeVersion !== null &&
      (('agency' in f.scope && f.scope.agency === user.agency) ||
        ('level' in f.scope && agency !== null && f.scope.level === agency.level)),
  );
  if (summaries.length === 0) return;
  const agencyUsers = await deps.identity.listUsers({ agency: user.agency });
  for (const summary of summaries) {
    const active = await flows.activeVersion(summary.name);
    if (!active) continue;
    const issues = stagesBrokenBy(active.definition, user.agency, agencyUsers, user.username, after);
    if (issues.length) {
      throw new LienthongError(
        'CONFLICT',
        `flow ${summary.name} (version ${active.version}) would lose the approvers it needs: ${issues
          .map((i) => i.message)
          .join('; ')}; change the flow first`,
        { flow: summary.name, version: active.version, errors: issues },
      );
    }
  }
}
