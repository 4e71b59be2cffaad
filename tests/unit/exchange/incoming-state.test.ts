import { verificationDetails } from '../../../exchange';
import type { Envelope } from '../../../schemas/edxml';
import type { VerificationSummary } from '../../../schemas/document';
import type { ReceivedDocumentInput } from '../../../schemas/exchange-messages';

const input = (businessDocType: number): ReceivedDocumentInput => ({
  // Only the fields verificationDetails reads; the rest of the envelope does not matter here.
  envelope: { businessDocType, from: { code: '000.00.32.H29', name: 'Sở Nội vụ' } } as Envelope,
  recipient: { code: '000.00.33.H29', name: 'Sở Tài chính' },
  inboxId: 'i1',
  receivedAt: '2026-11-29T00:00:00.000Z',
});
const file = { ref: 'documents/abc', sha256: 'abc', size: 10 };

describe('verification event details', () => {
  it('carries the structured verdict next to the human reason', () => {
    const failed: VerificationSummary = {
      ok: false,
      reason: 'NO_SIGNATURE: the document carries no signature',
      verdict: { code: 'NO_SIGNATURE', message: 'the document carries no signature' },
      checkedAt: '2026-11-29T00:00:01.000Z',
      hashMatches: true,
    };
    expect(verificationDetails(input(0), failed, file)).toEqual({
      ok: false,
      reason: 'NO_SIGNATURE: the document carries no signature',
      verdict: { code: 'NO_SIGNATURE', message: 'the document carries no signature' },
      hashMatches: true,
      sha256: 'abc',
    });
  });

  it('writes a summary from before verdicts as it was written then, and marks an update', () => {
    const old: VerificationSummary = {
      ok: false,
      reason: 'HASH_FAILURE: x.pdf does not match the SHA-256 in the envelope',
      checkedAt: '2026-11-29T00:00:01.000Z',
      hashMatches: false,
    };
    const details = verificationDetails(input(2), old, undefined);
    expect(details).not.toHaveProperty('verdict');
    expect(details).toMatchObject({ businessDocType: 2, ok: false, reason: old.reason, hashMatches: false });
  });
});
