import { DEFAULT_APPROVAL_FLOW, DocumentTypes, type ApprovalFlow } from '../../schemas/document';
import { resolveFlow } from '../../flows/resolve';
import type { FlowDefinition, ResolvedFlow } from '../../schemas/flow';
import { exchangeContext, type ExchangeActivityDeps, type ExchangeContext } from './shared';

/**
 * A role-step flow as a flow definition (one stage per step, any holder of the role); used for the built-in
 * default when an agency has no flow configured.
 */
export function flowDefinitionOf(flow: ApprovalFlow): FlowDefinition {
  return {
    name: flow.name,
    title: flow.name,
    scope: { level: 'any' },
    documentTypes: [],
    stages: flow.steps.map((step, i) => ({
      id: i === 0 ? 'approval' : `approval-${i + 1}`,
      name: 'Phê duyệt',
      approvers: { roles: [step.role], users: [] },
      mode: 'any' as const,
    })),
  };
}

/** Flow activities: which approval flow a document follows and who holds a role. */
export function createFlowActivities(
  deps: ExchangeActivityDeps,
  { identity, flowStore }: ExchangeContext = exchangeContext(deps),
) {
  return {
    /**
     * The approval flow a document goes through: the agency's active flow for its type (else its level's
     * default, else the built-in default), resolved to concrete approvers among the agency's active users. The
     * result is pinned by the workflow (name and version recorded), so later edits never change it.
     */
    async resolveApprovalFlow(input: {
      documentId: string;
      agency: string;
      type: string;
      priority: number;
      recipients: string[];
      /** A role-step flow given in the workflow input instead of the configured one. */
      override?: ApprovalFlow;
    }): Promise<ResolvedFlow> {
      const agency = await identity.getAgency(input.agency);
      const level = agency?.level ?? '';
      // Flows list document types by code (`CV`) or by name (`Công văn`); both select the flow.
      const typeName = (DocumentTypes as Record<string, { name: string } | undefined>)[input.type]?.name;
      const active =
        (await flowStore.activeFor(input.agency, level, input.type)) ??
        (typeName ? await flowStore.activeFor(input.agency, level, typeName) : null);
      const users = (await identity.listUsers({ agency: input.agency })).filter((u) => u.active);
      const membersOf = (role: string) =>
        users.filter((u) => u.roles.includes(role as never)).map((u) => u.username);
      const recipientLevels: string[] = [];
      for (const code of input.recipients) {
        const r = await identity.getAgency(code);
        if (r && !recipientLevels.includes(r.level)) recipientLevels.push(r.level);
      }
      const subject = {
        id: input.documentId,
        agency: input.agency,
        type: input.type,
        priority: input.priority,
        recipientLevels,
      };
      if (input.override) return resolveFlow(flowDefinitionOf(input.override), 0, subject, membersOf);
      if (active) return resolveFlow(active.definition, active.version, subject, membersOf);
      return resolveFlow(flowDefinitionOf(DEFAULT_APPROVAL_FLOW), 0, subject, membersOf);
    },

    /** Active users of an agency holding a role, sorted (escalation to a role). */
    async membersOfRole(input: { agency: string; role: string }): Promise<string[]> {
      const users = await identity.listUsers({ agency: input.agency });
      return users
        .filter((u) => u.active && u.roles.includes(input.role as never))
        .map((u) => u.username)
        .sort();
    },
  };
}
