import type { AuditEvent } from '../schemas/audit';
import { hashAuditEvent } from '../store/audit-store';

/**
 * The piece of an agency's audit hash chain that an evidence bundle carries (`audit/chain.json`): every link from
 * the document's first event to the chain head when the bundle was made. The document's own events are given in
 * full, so their hashes can be recomputed; the agency's other events appear only as links (seq, prevHash, hash),
 * which keeps other documents' content out of the bundle while still tying each document event to the head: a
 * changed event changes its hash, which no longer matches the next link's prevHash.
 */

export const AUDIT_CHAIN_FORMAT = 'lienthong.audit-chain/1' as const;

export interface ChainLink {
  seq: number;
  prevHash: string;
  hash: string;
  /** The event itself when it belongs to the document. */
  event?: Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>;
}

export interface AuditChainSegment {
  format: typeof AUDIT_CHAIN_FORMAT;
  agency: string;
  /** The document's id in this agency's chain (the received copy's inbox id at a recipient). */
  documentId: string;
  head: { seq: number; hash: string };
  links: ChainLink[];
}

/** The segment for `events` (the agency's chain from the document's first event on, in seq order). */
export function chainSegment(
  agency: string,
  documentId: string,
  events: readonly AuditEvent[],
): AuditChainSegment {
  const links = events.map(({ seq, prevHash, hash, ...event }): ChainLink =>
    event.documentId === documentId ? { seq, prevHash, hash, event } : { seq, prevHash, hash },
  );
  const last = links[links.length - 1];
  return {
    format: AUDIT_CHAIN_FORMAT,
    agency,
    documentId,
    head: last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: '' },
    links,
  };
}

export interface ChainCheck {
  ok: boolean;
  /** Events of the document whose hash was recomputed. */
  events: number;
  links: number;
  head?: { seq: number; hash: string };
  problems: string[];
}

/** Recomputes the document's events and checks every link up to the stated head. */
export function verifyChainSegment(raw: unknown): ChainCheck {
  const seg = raw as Partial<AuditChainSegment> | null;
  const problems: string[] = [];
  if (!seg || seg.format !== AUDIT_CHAIN_FORMAT || !Array.isArray(seg.links) || !seg.head)
    return { ok: false, events: 0, links: 0, problems: ['not an audit chain segment'] };
  let events = 0;
  seg.links.forEach((link, i) => {
    const prev = seg.links![i - 1];
    if (prev && link.seq !== prev.seq + 1) problems.push(`seq ${link.seq} does not follow ${prev.seq}`);
    if (prev && link.prevHash !== prev.hash)
      problems.push(`seq ${link.seq}: prevHash is not the hash of seq ${prev.seq}`);
    if (!link.event) return;
    events++;
    if (link.event.agency !== seg.agency) problems.push(`seq ${link.seq}: event of another agency`);
    if (link.event.documentId !== seg.documentId) problems.push(`seq ${link.seq}: event of another document`);
    let hash: string;
    try {
      hash = hashAuditEvent({ ...link.event, seq: link.seq, prevHash: link.prevHash } as Omit<
        AuditEvent,
        'hash'
      >);
    } catch (err) {
      problems.push(`seq ${link.seq}: event cannot be hashed (${(err as Error).message})`);
      return;
    }
    if (hash !== link.hash)
      problems.push(`seq ${link.seq} (${link.event.type}): hash does not match the event`);
  });
  const last = seg.links[seg.links.length - 1];
  if (!last) problems.push('the segment holds no link');
  else if (last.seq !== seg.head.seq || last.hash !== seg.head.hash)
    problems.push(`the last link (seq ${last.seq}) is not the stated head (seq ${seg.head.seq})`);
  if (events === 0) problems.push('the segment holds none of the document’s events');
  return { ok: problems.length === 0, events, links: seg.links.length, head: seg.head, problems };
}

/** The document's events of a verified segment, by id. */
export function segmentEvents(seg: AuditChainSegment): Map<string, ChainLink['event'] & object> {
  const out = new Map<string, NonNullable<ChainLink['event']>>();
  for (const l of seg.links) if (l.event) out.set(l.event.id, l.event);
  return out;
}
