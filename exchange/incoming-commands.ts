import type { Actor, IncomingState } from '../schemas/document';
import type { Role } from '../schemas/identity';
import type { ReceivedState } from './incoming-state';
import { type CommandBody, type CommandRule, reasonGuard, stateGuard } from './outgoing-commands';
import { firstRefusal, refusal, type Refusal } from './refusal';

/** States in which a recall can be answered. */
export const ANSWERABLE: readonly IncomingState[] = [
  'RECEIVED',
  'ACCEPTED',
  'ASSIGNED',
  'PROCESSING',
  'COMPLETED',
];

type IncomingWho = { roles: readonly Role[] } | 'assignee';

/** Commands of a received copy: state × role → next state. Checked by every update validator. */
export const INCOMING_COMMANDS = {
  accept: { from: ['RECEIVED'], who: { roles: ['clerk'] }, to: 'ACCEPTED' },
  reject: { from: ['RECEIVED'], who: { roles: ['clerk'] }, to: 'REJECTED', requires: 'reason' },
  assign: {
    from: ['ACCEPTED', 'ASSIGNED'],
    who: { roles: ['clerk', 'leadership', 'approver', 'signer'] },
    to: 'ASSIGNED',
  },
  process: { from: ['ASSIGNED'], who: 'assignee', to: 'PROCESSING' },
  complete: { from: ['ASSIGNED', 'PROCESSING'], who: 'assignee', to: 'COMPLETED' },
  agreeRecall: { from: ANSWERABLE, who: { roles: ['clerk'] }, to: 'RECALLED' },
  refuseRecall: { from: ANSWERABLE, who: { roles: ['clerk'] }, to: 'rule', requires: 'reason' },
} as const satisfies Record<string, Omit<CommandRule<IncomingState>, 'who'> & { who: IncomingWho }>;

export type IncomingCommand = keyof typeof INCOMING_COMMANDS;

const agencyGuard = (agency: string, actor: Actor) => (): Refusal | undefined =>
  actor.agency !== agency ? refusal('FORBIDDEN', 'the document belongs to another agency') : undefined;

function whoGuard(agency: string, s: ReceivedState, actor: Actor, who: IncomingWho) {
  return (): Refusal | undefined => {
    const other = agencyGuard(agency, actor)();
    if (other) return other;
    if (who === 'assignee')
      return actor.username !== s.assignee
        ? refusal('FORBIDDEN', 'only the assigned person may do this')
        : undefined;
    return actor.roles.some((r) => who.roles.includes(r))
      ? undefined
      : refusal('FORBIDDEN', `this step needs one of the roles: ${who.roles.join(', ')}`);
  };
}

/** A recall answer needs an open, unanswered recall; its state is checked when the step runs. */
function recallGuard(s: ReceivedState) {
  return (): Refusal | undefined => {
    if (s.busy) return refusal('CONFLICT', 'another step on this document is in progress');
    if (!s.recall) return refusal('WRONG_STATE', 'the sender has not recalled this document');
    if (s.recall.answer)
      return refusal('WRONG_STATE', `the recall was already answered (${s.recall.answer})`);
    return undefined;
  };
}

/**
 * Whether `actor` may give `cmd` to the received copy now: who (agency first), then busy and state, then required
 * body fields. The assignee's commands check the state before the person; recall answers check the open recall
 * instead of the state (the step re-checks the state).
 */
export function checkIncoming(
  agency: string,
  s: ReceivedState,
  cmd: IncomingCommand,
  actor: Actor,
  body?: CommandBody,
): Refusal | undefined {
  const rule = INCOMING_COMMANDS[cmd] as Omit<CommandRule<IncomingState>, 'who'> & { who: IncomingWho };
  const recallAnswer = cmd === 'agreeRecall' || cmd === 'refuseRecall';
  // The assignee exists only from ASSIGNED on: before, the state is what is wrong (409), not the person (403).
  if (rule.who === 'assignee')
    return firstRefusal(
      agencyGuard(agency, actor),
      stateGuard<IncomingState>(s.busy, s.state, rule.from),
      whoGuard(agency, s, actor, rule.who),
    );
  return firstRefusal(
    whoGuard(agency, s, actor, rule.who),
    recallAnswer ? recallGuard(s) : stateGuard<IncomingState>(s.busy, s.state, rule.from),
    rule.requires === 'reason' ? reasonGuard(body) : () => undefined,
  );
}

/** The states a running step may proceed in, re-checked after the receipt checks finish. */
export const stepStates = (cmd: IncomingCommand): readonly IncomingState[] => INCOMING_COMMANDS[cmd].from;
