import { createHash } from 'node:crypto';
import { parseCertificate } from '../../../pdf/cms/certificate';
import {
  DEFAULT_RENEWAL_WINDOW_DAYS,
  isRenewalDue,
  renewalDueAt,
  tokenReliesUntil,
} from '../../../pki/tsa/archive-policy';
import { TEST_PKI_AT, createTestPki } from '../../helpers/test-pki';
import { createTestTsa } from '../pdf/support/test-tsa';

const DAY = 86_400_000;

describe('archive renewal policy', () => {
  const end = new Date('2031-11-30T00:00:00Z');

  it.each([
    ['two years before the end', false, new Date(end.getTime() - 730 * DAY)],
    ['a day before the window opens', false, new Date(end.getTime() - 366 * DAY)],
    ['when the window opens', true, new Date(end.getTime() - 365 * DAY)],
    ['a month before the end', true, new Date(end.getTime() - 30 * DAY)],
    ['after the end', true, new Date(end.getTime() + DAY)],
  ])('%s: due is %s', (_what, due, now) => {
    expect(isRenewalDue(end, now, DEFAULT_RENEWAL_WINDOW_DAYS)).toBe(due);
  });

  it('opens the window `windowDays` before the end', () => {
    expect(renewalDueAt(end, 10).toISOString()).toBe('2031-11-20T00:00:00.000Z');
  });

  it('reads the earliest notAfter among the certificates a token carries (the TSA and its issuing CA)', async () => {
    const pki = await createTestPki();
    const tsa = await createTestTsa(pki, TEST_PKI_AT);
    const token = await tsa.source(createHash('sha256').update('Tân Phú').digest(), 'SHA-256');
    const ends = tsa.credentials.chain.map((c) => parseCertificate(c).notAfter.getTime());
    expect(ends).toHaveLength(2);
    expect(tokenReliesUntil(token)?.getTime()).toBe(Math.min(...ends));
  });
});
