import { applyStatus, isFinal, nextAckWait, resendDecision, markSendFailed } from '../../../exchange';
import type { StatusMessage } from '../../../schemas/edxml';
import { outgoing } from './fixtures';

const status = (from: string, statusCode: StatusMessage['statusCode'], reason?: string): StatusMessage =>
  ({ from: { code: from, name: from }, statusCode, reason, at: '2026-11-29T01:00:00.000Z' }) as StatusMessage;

const A = '000.00.33.H29';
const B = '000.00.34.H29';

describe('recipient rules', () => {
  it.each([
    { before: 'PENDING', report: '01', after: '01' },
    { before: '01', report: '03', after: '03' },
    { before: '04', report: '03', after: '04' },
    { before: '05', report: '06', after: '06' },
    { before: '06', report: '05', after: '06' },
    { before: '02', report: '03', after: '02' },
  ] as const)('a recipient at $before that reports $report is at $after', ({ before, report, after }) => {
    const s = outgoing();
    s.recipients[0]!.statusCode = before;
    applyStatus(s, status(A, report));
    expect(s.recipients[0]!.statusCode).toBe(after);
  });

  it('ignores a status from an agency that is not a recipient', () => {
    expect(applyStatus(outgoing(), status('000.00.99.H29', '01'))).toBeUndefined();
  });

  it('takes recall answers only for an open recall, and is recalled once everyone agreed', () => {
    const s = outgoing({ state: 'DISPATCHED' });
    expect(applyStatus(s, status(A, '15'))).toBeUndefined();
    s.recipients[0]!.recall = '13';
    s.recipients[1]!.recall = '13';
    expect(applyStatus(s, status(A, '15'))?.event.type).toBe('document.recall_answered');
    expect(s.state).toBe('DISPATCHED');
    applyStatus(s, status(B, '15'));
    expect(s.state).toBe('RECALLED');
    expect(s.recipients.every(isFinal)).toBe(true);
  });

  it.each([
    { statusCode: 'PENDING', sentAgo: 10, attempts: 1, decision: 'wait' },
    { statusCode: 'PENDING', sentAgo: 60, attempts: 1, decision: 'resend' },
    { statusCode: 'PENDING', sentAgo: 60, attempts: 3, decision: 'fail' },
    { statusCode: '01', sentAgo: 600, attempts: 1, decision: 'wait' },
  ] as const)('$statusCode sent $sentAgo s ago after $attempts attempts: $decision', (c) => {
    const r = { ...outgoing().recipients[0]!, statusCode: c.statusCode, attempts: c.attempts, lastSentAt: 0 };
    expect(resendDecision(r, c.sentAgo * 1000, 60_000, 2)).toBe(c.decision);
  });

  it('flags a recipient SEND_FAILED and waits for the earliest acknowledgement timeout', () => {
    const s = outgoing();
    s.recipients[0]!.lastSentAt = 1000;
    s.recipients[0]!.attempts = 3;
    s.recipients[1]!.lastSentAt = 5000;
    expect(nextAckWait(s, 2000, 60_000)).toBe(59_000);
    expect(markSendFailed(s.recipients[0]!, 'now')).toEqual({
      type: 'document.send_failed',
      details: { recipient: A, attempts: 3 },
    });
    expect(s.recipients[0]).toMatchObject({ statusCode: 'SEND_FAILED', reason: 'no 01 after 3 attempts' });
    expect(nextAckWait(s, 2000, 60_000)).toBe(63_000);
  });
});
