import { initialOutgoingState, initialOutgoingView, outgoingView } from '../../../exchange';
import type { DocumentWorkflowInput } from '../../../workflows/exchange-messages';
import { AGENCY, input } from './fixtures';

/** Drops the keys whose value is undefined: MongoDB is connected with ignoreUndefined, so they are not stored. */
const stored = (row: object) => JSON.parse(JSON.stringify(row));

describe('initial outgoing row (saved by the API before the workflow starts)', () => {
  it('a draft: the document as created, every recipient pending, version 0, empty history', () => {
    expect(stored(initialOutgoingView(input))).toEqual({
      id: 'd1',
      agency: AGENCY,
      state: 'DRAFT',
      type: 'QD',
      subject: 'Quyết định',
      createdBy: 'drafter.a',
      createdAt: input.createdAt,
      updatedAt: input.createdAt,
      priority: 0,
      fileName: 'qd.pdf',
      file: input.file,
      recipients: [
        { agency: '000.00.33.H29', name: 'Sở Tài chính', statusCode: 'PENDING', statusAt: null, attempts: 0 },
        { agency: '000.00.34.H29', name: 'Sở Y tế', statusCode: 'PENDING', statusAt: null, attempts: 0 },
      ],
      history: [],
      version: 0,
    });
  });

  it('an update: signed, with the number, notation and signer it keeps, and the amendment it makes', () => {
    const update: DocumentWorkflowInput = {
      ...input,
      amendment: {
        kind: 'update',
        of: 'd0',
        ofEdxmlId: 'old',
        reason: 'sai ngày',
        keep: { number: 7, notation: 'QĐ-SNV', issuedAt: '2026-11-20T03:00:00.000Z' },
        signer: { fullName: 'Lê Văn C', title: 'Giám đốc', competence: 'GIÁM ĐỐC' },
      },
    };
    expect(initialOutgoingView(update)).toMatchObject({
      state: 'SIGNED',
      number: 7,
      notation: 'QĐ-SNV',
      issuedAt: '2026-11-20T03:00:00.000Z',
      signer: update.amendment!.signer,
      amendment: { kind: 'update', of: 'd0', reason: 'sai ngày' },
      version: 0,
    });
  });

  it('is the workflow’s first view of its initial state, one version earlier', () => {
    const first = outgoingView(input, initialOutgoingState(input), 3_600_000, input.createdAt);
    expect({ ...initialOutgoingView(input), history: undefined, version: 1 }).toEqual({
      ...first,
      history: undefined,
    });
  });
});
