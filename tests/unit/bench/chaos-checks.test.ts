import { checkRegisters, type ChaosFindings } from '../../../bench/lib/chaos-checks';
import type { DrivenDocument } from '../../../bench/lib/chaos-driver';
import { documentWorkflowId, receivedWorkflowId } from '../../../schemas/document';

const S = '000.00.32.H29';
const R = '000.04.10.H29';
const findings = (): ChaosFindings => ({
  lost: 0,
  duplicated: 0,
  numberGaps: 0,
  auditOk: true,
  deadLetters: 0,
  streams: [],
  problems: [],
});
const doc = (id: string): DrivenDocument => ({
  index: 0,
  sender: S,
  recipients: [R],
  id,
  issued: true,
  accepted: true,
  createRetries: 0,
});
const out = (n: number, id: string) => ({
  register: `${S}:outgoing:2026`,
  number: n,
  documentKey: documentWorkflowId(S, id),
});
const inc = (n: number, id: string) => ({
  register: `${R}:incoming:2026`,
  number: n,
  documentKey: receivedWorkflowId(R, S, id),
});

describe('chaos register checks', () => {
  it('finds nothing wrong in registers numbered 1..n, one entry per document', () => {
    const f = findings();
    checkRegisters([out(1, 'a'), out(2, 'b'), inc(1, 'b'), inc(2, 'a')], [doc('a'), doc('b')], f);
    expect(f).toEqual(findings());
  });

  it('counts a gap, a repeated number and a document registered twice', () => {
    const f = findings();
    checkRegisters(
      [out(1, 'a'), out(3, 'b'), inc(1, 'a'), inc(1, 'b'), inc(2, 'b')],
      [doc('a'), doc('b')],
      f,
    );
    // outgoing: 3 is the highest of 2 numbers (one gap); incoming: 1 twice (one repeat), b registered twice.
    expect(f.numberGaps).toBe(2);
    expect(f.duplicated).toBe(1);
    expect(f.problems).toHaveLength(3);
  });

  it('reports a document a recipient never registered', () => {
    const f = findings();
    checkRegisters([out(1, 'a')], [doc('a')], f);
    expect(f.problems).toEqual([`not registered: ${R} ${receivedWorkflowId(R, S, 'a')}`]);
  });
});
