import { patched, setHandler } from '@temporalio/workflow';
import { notationOf, vietnamDate } from '../exchange';
import type { Actor } from '../schemas/document';
import { issueUpdate, withdrawUpdate, PARALLEL_ISSUE_PATCH, type ActionOutcome } from './exchange-messages';
import { heavy, quick } from './exchange-steps';
import {
  exclusive,
  outcome,
  record,
  recordAll,
  validator,
  type Doc,
  type OutgoingEvent,
} from './document-context';

/** The clerk's issue of an outgoing document: its number and the organisation signature. Workflow code. */

/** The clerk's issue: a number from the agency register (or the one kept), then the organisation signature. */
async function issue(d: Doc, actor: Actor): Promise<ActionOutcome> {
  const { input, s } = d;
  const amendment = input.amendment;
  const at = Date.now();
  const date = vietnamDate(at);
  if (s.number === undefined && !amendment?.keep && patched(PARALLEL_ISSUE_PATCH))
    return issueInParallel(d, actor, at);
  if (s.number === undefined && amendment?.keep) {
    // A replacement that keeps the number of the document it replaces (the agency's practice).
    s.number = amendment.keep.number;
    s.notation = amendment.keep.notation;
    s.issuedAt = date;
    const details = { number: s.number, notation: s.notation, date, kept: amendment.of };
    await record(d, 'document.numbered', actor.username, details);
  } else if (s.number === undefined) {
    s.number = await quick.assignOutgoingNumber(numbering(d, date));
    s.notation = notationOf(input);
    s.issuedAt = date;
    await record(d, 'document.numbered', actor.username, { number: s.number, notation: s.notation, date });
  }
  const sealed = await heavy.signOrganisation(sealing(d, at));
  s.file = sealed;
  s.issued = true;
  await record(d, 'document.sealed', actor.username, { profile: 'organisation', sha256: sealed.sha256 });
  return outcome(d);
}

/**
 * The first issue of a new number (patch `parallel-issue-v1`): numbering and signature side by side, audited
 * together. A signature that fails leaves the number taken and audited, as the one-after-another path does, so the
 * clerk's next attempt keeps it; a numbering that fails leaves nothing (the sealed copy is only stored content).
 */
async function issueInParallel(d: Doc, actor: Actor, at: number): Promise<ActionOutcome> {
  const { input, s } = d;
  const date = vietnamDate(at);
  const [numbered, sealed] = await Promise.allSettled([
    quick.assignOutgoingNumber(numbering(d, date)),
    heavy.signOrganisation(sealing(d, at)),
  ]);
  if (numbered.status === 'rejected') throw numbered.reason;
  s.number = numbered.value;
  s.notation = notationOf(input);
  s.issuedAt = date;
  const numberedEvent: OutgoingEvent = {
    type: 'document.numbered',
    actor: actor.username,
    details: { number: s.number, notation: s.notation, date },
  };
  if (sealed.status === 'rejected') {
    await recordAll(d, [numberedEvent]);
    throw sealed.reason;
  }
  s.file = sealed.value;
  s.issued = true;
  await recordAll(d, [
    numberedEvent,
    {
      type: 'document.sealed',
      actor: actor.username,
      details: { profile: 'organisation', sha256: s.file.sha256 },
    },
  ]);
  return outcome(d);
}

const numbering = (d: Doc, date: string) => ({
  agency: d.input.agency.code,
  year: Number(date.slice(0, 4)),
  documentKey: d.workflowId,
});

const sealing = (d: Doc, at: number) => ({
  agency: d.input.agency.code,
  file: d.s.file,
  fileName: d.input.fileName,
  signingTime: new Date(at).toISOString(),
  location: d.input.agency.place,
});

export function setIssueHandlers(d: Doc): void {
  const { s } = d;
  setHandler(issueUpdate, (actor) => exclusive(d, () => issue(d, actor)), {
    validator: validator(d, 'issue'),
  });
  setHandler(
    withdrawUpdate,
    (actor) =>
      exclusive(d, async () => {
        s.state = 'WITHDRAWN';
        await record(d, 'document.withdrawn', actor.username);
        return outcome(d);
      }),
    { validator: validator(d, 'withdraw') },
  );
}
