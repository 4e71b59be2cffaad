import { diffSnapshots } from '../../../kpi/compare';
import {
  effectsOf,
  escapeKey,
  reasonKey,
  unescapeKey,
  verdictKey,
  type KpiEvent,
} from '../../../kpi/event-effects';
import { MemoryKpiState } from '../../../kpi/memory-state';

const A = '000.00.32.H29';
const B = '000.00.33.H29';
let n = 0;
const ev = (
  agency: string,
  type: string,
  time: string,
  documentId: string,
  details: Record<string, unknown> = {},
): KpiEvent => ({
  id: `e${++n}`,
  agency,
  type,
  time,
  documentId,
  details,
});

describe('audit events to KPI effects', () => {
  it('counts a valid electronic delivery for the sender on the day of the check (Vietnam time)', () => {
    const e = ev(B, 'incoming.verified', '2025-03-31T17:30:00Z', `${A}_D1`, { from: A, ok: true });
    expect(effectsOf(e, new Map()).increments).toEqual([
      { agency: A, day: '2025-04-01', dim: 'el', n: 1 },
      { agency: A, day: '2025-04-01', dim: 'el_valid', n: 1 },
    ]);
  });

  it('counts a paper document once per distinct recipient on its own date, unless also electronic', () => {
    const details = { from: A, to: [B, B, '000.01.01.H29', A], date: '2025-02-03' };
    expect(
      effectsOf(ev(B, 'paper.registered', '2025-05-01T00:00:00Z', 'p1', details), new Map()).increments,
    ).toEqual([{ agency: A, day: '2025-02-03', dim: 'paper', n: 2 }]);
    const also = effectsOf(
      ev(B, 'paper.registered', '2025-05-01T00:00:00Z', 'p2', { ...details, alsoElectronic: true }),
      new Map(),
    );
    expect(also.increments.map((i) => i.dim)).toEqual(['paper_also_el']);
  });

  it('ignores event types it does not know', () => {
    expect(effectsOf(ev(A, 'pki.crl_published', '2025-01-01T00:00:00Z', 'x'), new Map())).toEqual({
      increments: [],
      ops: [],
    });
  });

  it('keys reasons by their leading code or their normalised text, safe as MongoDB field names', () => {
    expect(reasonKey('HASH_FAILURE: x.pdf does not match')).toBe('HASH_FAILURE');
    expect(reasonKey('  Sai   thể thức. ')).toBe('Sai thể thức%2E');
    expect(reasonKey(undefined)).toBe('UNSPECIFIED');
    expect(unescapeKey(escapeKey('a.b$c%d'))).toBe('a.b$c%d');
    expect(escapeKey('a.b$c%d')).not.toMatch(/[.$]/);
  });
});

describe('verification failures by verdict code', () => {
  const failed = (details: Record<string, unknown>) =>
    effectsOf(
      ev(B, 'incoming.verification_failed', '2025-03-01T02:00:00Z', `${A}_D9`, { from: A, ...details }),
      new Map(),
    ).increments.map((i) => i.dim);

  it('counts a failure under its verdict code', () => {
    const details = {
      ok: false,
      reason: 'REVOKED: Signature1: the signer certificate was revoked',
      verdict: { code: 'REVOKED', message: 'Signature1: the signer certificate was revoked' },
    };
    expect(failed(details)).toEqual(['el', 'vfail', 'vfail:REVOKED']);
  });

  it('keeps the key when the human text is reworded, even when it no longer starts with the code', () => {
    const reworded = {
      ok: false,
      reason: 'Chứng thư số của người ký đã bị thu hồi',
      verdict: { code: 'REVOKED', message: 'Chứng thư số của người ký đã bị thu hồi' },
    };
    expect(failed(reworded)).toEqual(['el', 'vfail', 'vfail:REVOKED']);
    // Parsing the text instead would have keyed it by the whole sentence.
    expect(reasonKey(reworded.reason)).not.toBe('REVOKED');
  });

  it('counts an event recorded before verdicts (reason "CODE: text" only) under the same key as before', () => {
    const old = {
      ok: false,
      reason: 'HASH_FAILURE: cong-van.pdf does not match the SHA-256 in the envelope',
    };
    expect(failed(old)).toEqual(['el', 'vfail', 'vfail:HASH_FAILURE']);
    const now = { ...old, verdict: { code: 'HASH_FAILURE', message: 'cong-van.pdf does not match' } };
    expect(verdictKey(now)).toBe(verdictKey(old));
  });

  it('falls back to the reason when the verdict is malformed, and to UNSPECIFIED without either', () => {
    expect(verdictKey({ verdict: { message: 'no code' }, reason: 'NO_SIGNATURE: none' })).toBe(
      'NO_SIGNATURE',
    );
    expect(verdictKey({ verdict: 'NO_SIGNATURE' })).toBe('UNSPECIFIED');
  });
});

describe('the in-memory state', () => {
  const events = [
    ev(A, 'document.signed', '2025-03-01T01:00:00Z', 'D1'),
    ev(A, 'document.sealed', '2025-03-01T02:00:00Z', 'D1'),
    ev(A, 'document.dispatched', '2025-03-01T02:00:01Z', 'D1', { recipient: B }),
    ev(B, 'incoming.received', '2025-03-01T02:01:00Z', `${A}_D1`, { from: A }),
    ev(B, 'incoming.verified', '2025-03-01T02:01:10Z', `${A}_D1`, { from: A }),
    ev(B, 'incoming.status_sent', '2025-03-01T03:01:00Z', `${A}_D1`, { from: A, statusCode: '03' }),
    ev(A, 'document.status_received', '2025-03-01T03:01:02Z', 'D1', { recipient: B, statusCode: '03' }),
  ];

  it('joins issue and receipt times to acceptance and closes what is done', () => {
    const s = new MemoryKpiState();
    for (const e of events) s.apply(e);
    expect(s.days.get(`${A}|2025-03-01`)!.c).toEqual({ issued: 1, sent: 1, el: 1, el_valid: 1, 'i2a:60': 1 });
    expect(s.days.get(`${B}|2025-03-01`)!.c).toEqual({ accepted: 1, 'ack:60': 1 });
    expect(s.open.size).toBe(0);
  });

  it('counts an event applied twice once', () => {
    const once = new MemoryKpiState();
    const twice = new MemoryKpiState();
    for (const e of events) {
      once.apply(e);
      twice.apply(e);
      twice.apply(e);
    }
    const snap = (s: MemoryKpiState) => ({
      days: new Map([...s.days].map(([k, d]) => [k, d.c])),
      months: new Map([...s.months].map(([k, d]) => [k, d.c])),
      open: s.open,
    });
    expect(diffSnapshots(snap(once), snap(twice))).toEqual([]);
  });

  it('keeps an approval overdue through an escalation to other approvers, until the stage is decided', () => {
    const s = new MemoryKpiState();
    s.apply(ev(A, 'document.approval_overdue', '2025-03-01T01:00:00Z', 'D2', { stage: 'tp' }));
    s.apply(ev(A, 'document.escalated', '2025-03-01T01:00:01Z', 'D2', { stage: 'tp', kind: 'role' }));
    expect([...s.open.keys()]).toEqual([`overdue|${A}|D2`]);
    s.apply(ev(A, 'document.stage_completed', '2025-03-01T05:00:00Z', 'D2', { stage: 'tp' }));
    expect(s.open.size).toBe(0);
    s.apply(ev(A, 'document.approval_overdue', '2025-03-02T01:00:00Z', 'D3', { stage: 'tp' }));
    s.apply(
      ev(A, 'document.escalated', '2025-03-02T01:00:01Z', 'D3', { stage: 'tp', kind: 'stage', to: 'gd' }),
    );
    expect(s.open.size).toBe(0);
    expect(s.days.get(`${A}|2025-03-02`)!.c).toEqual({ overdue: 1 });
  });

  it('stops waiting for acceptance when the recipient agrees to a recall (15)', () => {
    const s = new MemoryKpiState();
    s.apply(ev(B, 'incoming.received', '2025-03-01T01:00:00Z', `${A}_D4`, { from: A }));
    s.apply(ev(B, 'incoming.status_sent', '2025-03-01T02:00:00Z', `${A}_D4`, { from: A, statusCode: '15' }));
    expect(s.open.size).toBe(0);
  });

  it('counts an update (BusinessDocType 2) of a sent document as no new document, and closes superseded copies', () => {
    const s = new MemoryKpiState();
    for (const e of events) s.apply(e);
    s.apply(
      ev(A, 'document.dispatched', '2025-03-01T04:00:00Z', 'D1u', { recipient: B, businessDocType: 2 }),
    );
    s.apply(ev(B, 'incoming.received', '2025-03-01T04:01:00Z', `${A}_D1u`, { from: A, businessDocType: 2 }));
    s.apply(ev(B, 'incoming.verified', '2025-03-01T04:01:10Z', `${A}_D1u`, { from: A, businessDocType: 2 }));
    expect(s.days.get(`${A}|2025-03-01`)!.c).toEqual({ issued: 1, sent: 1, el: 1, el_valid: 1, 'i2a:60': 1 });
    expect([...s.open.keys()]).toEqual([`await03|${B}|${A}_D1u`]);
    s.apply(ev(B, 'incoming.superseded', '2025-03-01T05:00:00Z', `${A}_D1u`, { from: A, kind: 'replace' }));
    expect(s.open.size).toBe(0);

    // A replacement is a new signed document: it counts, and the sender stops waiting on the old one.
    s.apply(ev(A, 'document.sealed', '2025-03-02T02:00:00Z', 'D2'));
    s.apply(ev(A, 'document.dispatched', '2025-03-02T02:00:01Z', 'D2', { recipient: B }));
    s.apply(ev(A, 'document.superseded', '2025-03-02T03:00:00Z', 'D2', { by: 'D3', kind: 'replace' }));
    expect(s.days.get(`${A}|2025-03-02`)!.c).toEqual({ issued: 1, sent: 1 });
    expect(s.open.size).toBe(0);
  });

  it('keeps tokens only for recent days when asked', () => {
    const s = new MemoryKpiState({ keepTokensFrom: '2025-03-02' });
    for (const e of events) s.apply(e);
    expect(s.days.get(`${A}|2025-03-01`)!.applied).toEqual([]);
  });
});
