import type { Actor, DocumentState } from '../schemas/document';
import type { Role } from '../schemas/identity';
import { openStage } from './approval';
import type { OutgoingState } from './outgoing-state';
import { firstRefusal, refusal, type Refusal } from './refusal';

/**
 * Who may give a command: holders of one of `roles` in the document's agency, or a rule that depends on the
 * document — its drafter, the approvers of the open stage, the (designated) signer, the drafter or the agency
 * administrator, an administrator of the agency or of the province.
 */
export type Who =
  { roles: readonly Role[] } | 'drafter-self' | 'stage-approver' | 'signer' | 'drafter-or-admin' | 'admin';

export interface CommandRule<S extends string> {
  /** States in which the command is legal. */
  from: readonly S[];
  who: Who;
  /** The state the command leads to when it succeeds (informative where rules decide, e.g. after the last stage). */
  to: S | 'rule';
  /** A body field that must be a non-blank string. */
  requires?: 'reason';
  /** The refusal message for a wrong state, when it says more than the default. */
  wrongState?: string;
}

/** Commands of an outgoing document: state × role → next state. Checked by every update validator. */
export const OUTGOING_COMMANDS = {
  submit: { from: ['DRAFT', 'RETURNED'], who: 'drafter-self', to: 'IN_APPROVAL' },
  approve: { from: ['IN_APPROVAL'], who: 'stage-approver', to: 'rule' },
  reject: { from: ['IN_APPROVAL'], who: 'stage-approver', to: 'RETURNED', requires: 'reason' },
  sign: { from: ['APPROVED'], who: 'signer', to: 'SIGNED' },
  requestSigning: { from: ['APPROVED'], who: 'signer', to: 'APPROVED' },
  submitSignature: { from: ['APPROVED'], who: 'signer', to: 'SIGNED' },
  issue: { from: ['SIGNED'], who: { roles: ['clerk'] }, to: 'DISPATCHED' },
  withdraw: {
    from: ['DRAFT', 'RETURNED', 'IN_APPROVAL', 'APPROVED', 'SIGNED'],
    who: 'drafter-or-admin',
    to: 'WITHDRAWN',
  },
  migrateFlow: { from: ['IN_APPROVAL'], who: 'admin', to: 'rule' },
  reroute: {
    from: ['IN_APPROVAL', 'APPROVED'],
    who: { roles: ['agency_admin', 'province_admin'] },
    to: 'rule',
  },
  // A completed document can be recalled while its workflow is open (the follow-up window).
  recall: {
    from: ['DISPATCHED', 'COMPLETED'],
    who: { roles: ['clerk'] },
    to: 'rule',
    requires: 'reason',
    wrongState: 'only a dispatched document can be recalled',
  },
} as const satisfies Record<string, CommandRule<DocumentState>>;

export type OutgoingCommand = keyof typeof OUTGOING_COMMANDS;

/** The document facts a check needs besides its state object. */
export interface OutgoingContext {
  agency: string;
  createdBy: string;
}

export interface CommandBody {
  reason?: string;
  leaver?: string;
}

const agencyGuard = (ctx: { agency: string }, actor: Actor) => (): Refusal | undefined =>
  actor.agency !== ctx.agency ? refusal('FORBIDDEN', 'the document belongs to another agency') : undefined;

const roleGuard =
  (ctx: { agency: string }, actor: Actor, roles: readonly Role[]) => (): Refusal | undefined =>
    agencyGuard(ctx, actor)() ??
    (actor.roles.some((r) => roles.includes(r))
      ? undefined
      : refusal('FORBIDDEN', `this step needs one of the roles: ${roles.join(', ')}`));

/** Busy first (another step runs), then the state. */
export const stateGuard =
  <S extends string>(busy: boolean, state: S, from: readonly S[], wrongState?: string) =>
  (): Refusal | undefined => {
    if (busy) return refusal('CONFLICT', 'another step on this document is in progress');
    if (!from.includes(state))
      return refusal(
        'WRONG_STATE',
        wrongState ? `${wrongState} (state ${state})` : `not allowed in state ${state}`,
      );
    return undefined;
  };

export const reasonGuard = (body: CommandBody | undefined) => (): Refusal | undefined =>
  body?.reason?.trim() ? undefined : refusal('WRONG_STATE', 'a reason is required');

/** The approvers of the open stage (configurable flows), or the role of the open step (role-step flows). */
function stageApproverGuard(ctx: OutgoingContext, s: OutgoingState, actor: Actor, cmd: OutgoingCommand) {
  return (): Refusal | undefined => {
    if (s.resolved) {
      const stage = openStage(s);
      if (!stage) return refusal('WRONG_STATE', 'no approval stage is open');
      if (!stage.approvers.includes(actor.username))
        return refusal(
          'FORBIDDEN',
          `only the approvers of the stage "${stage.name}" may decide: ${stage.approvers.join(', ')}`,
        );
      if (cmd === 'approve' && s.approvals.includes(actor.username))
        return refusal('CONFLICT', 'you already approved this stage');
      return undefined;
    }
    const step = s.flow?.steps[s.step];
    if (!step) return refusal('WRONG_STATE', 'no approval step is open');
    return roleGuard(ctx, actor, [step.role])();
  };
}

function whoGuard(ctx: OutgoingContext, s: OutgoingState, actor: Actor, who: Who) {
  return (): Refusal | undefined => {
    if (typeof who === 'object') return roleGuard(ctx, actor, who.roles)();
    switch (who) {
      case 'drafter-self':
        return (
          roleGuard(ctx, actor, ['drafter'])() ??
          (actor.username !== ctx.createdBy
            ? refusal('FORBIDDEN', 'only the drafter of the document may submit it')
            : undefined)
        );
      case 'signer':
        // A successor named in a leadership change signs in place of the signer role; otherwise any signer.
        if (s.designatedSigner === undefined) return roleGuard(ctx, actor, ['signer'])();
        return (
          agencyGuard(ctx, actor)() ??
          (actor.username !== s.designatedSigner
            ? refusal('FORBIDDEN', `this document is assigned to ${s.designatedSigner} for signature`)
            : undefined)
        );
      case 'drafter-or-admin':
        return (
          agencyGuard(ctx, actor)() ??
          (actor.username !== ctx.createdBy && !actor.roles.includes('agency_admin')
            ? refusal('FORBIDDEN', 'only the drafter or the agency administrator may withdraw')
            : undefined)
        );
      case 'admin':
        return actor.roles.includes('province_admin') ||
          (actor.roles.includes('agency_admin') && actor.agency === ctx.agency)
          ? undefined
          : refusal('FORBIDDEN', 'only an administrator of the agency may migrate a document');
      case 'stage-approver':
        return undefined;
    }
  };
}

/** Conditions of one command beyond state and role. */
function extraGuard(s: OutgoingState, actor: Actor, cmd: OutgoingCommand, body: CommandBody | undefined) {
  return (): Refusal | undefined => {
    switch (cmd) {
      case 'submitSignature':
        if (!s.pending) return refusal('WRONG_STATE', 'request a signing request first');
        if (s.pending.username !== actor.username)
          return refusal('FORBIDDEN', 'the signing request was made for another signer');
        return undefined;
      case 'issue':
        return s.issued ? refusal('WRONG_STATE', 'the document is already issued') : undefined;
      case 'withdraw':
        return s.issued ? refusal('WRONG_STATE', 'an issued document cannot be withdrawn') : undefined;
      case 'migrateFlow':
        return s.resolved
          ? undefined
          : refusal('WRONG_STATE', 'the document was submitted before configurable flows');
      case 'reroute':
        return body?.leaver ? undefined : refusal('WRONG_STATE', 'the leaver is required');
      case 'recall':
        return s.recallReason !== undefined
          ? refusal('CONFLICT', 'the document is already being recalled')
          : undefined;
      default:
        return undefined;
    }
  };
}

/**
 * Whether `actor` may give `cmd` now. Order: who (the agency first), then busy and state, then the command's own
 * conditions and its required body fields; for the approvers of a stage, the state comes before who (the stage
 * depends on it). Undefined when the command is allowed.
 */
export function checkOutgoing(
  ctx: OutgoingContext,
  s: OutgoingState,
  cmd: OutgoingCommand,
  actor: Actor,
  body?: CommandBody,
): Refusal | undefined {
  const rule: CommandRule<DocumentState> = OUTGOING_COMMANDS[cmd];
  const state = stateGuard<DocumentState>(s.busy, s.state, rule.from, rule.wrongState);
  const reason = rule.requires === 'reason' ? reasonGuard(body) : () => undefined;
  if (rule.who === 'stage-approver')
    return firstRefusal(agencyGuard(ctx, actor), state, stageApproverGuard(ctx, s, actor, cmd), reason);
  return firstRefusal(whoGuard(ctx, s, actor, rule.who), state, extraGuard(s, actor, cmd, body), reason);
}
