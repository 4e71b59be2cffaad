import { checkNewAmendment } from '../../../exchange';

describe('amendments', () => {
  it.each([
    { amendments: [], code: undefined },
    { amendments: [{ id: 'n1', state: 'WITHDRAWN' }], code: undefined },
    { amendments: [{ id: 'n1', state: 'DRAFT' }], code: 'CONFLICT' },
    { amendments: [{ id: 'n1', state: 'RETURNED' }], code: 'CONFLICT' },
    {
      amendments: [
        { id: 'n1', state: 'WITHDRAWN' },
        { id: 'n2', state: 'DISPATCHED' },
      ],
      code: 'CONFLICT',
    },
  ] as const)('a new amendment beside $amendments.length others: $code', ({ amendments, code }) => {
    expect(checkNewAmendment('d1', amendments)?.code).toBe(code);
  });
});
