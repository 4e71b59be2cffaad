import {
  colourOf,
  coverageInstant,
  hasValidOrganisationCertificate,
  type CertificateFact,
} from '../../../kpi/compute';

const cert = (over: Partial<CertificateFact>): CertificateFact => ({
  serialHex: '01',
  agency: '000.00.32.H29',
  profile: 'organisation',
  notBefore: new Date('2025-01-01T00:00:00Z'),
  notAfter: new Date('2030-01-01T00:00:00Z'),
  status: 'active',
  ...over,
});

describe('KPI computations', () => {
  it('colours a share green at the target, amber within 20 points below, red further below', () => {
    expect(colourOf(0.8, 0.8)).toBe('green');
    expect(colourOf(0.6, 0.8)).toBe('amber');
    expect(colourOf(0.59, 0.8)).toBe('red');
    expect(colourOf(null, 0.8)).toBe('none');
    expect(colourOf(1, 1)).toBe('green');
    expect(colourOf(0.8, 1)).toBe('amber');
  });

  it('judges coverage at the end of a past period, and now for a period not yet over', () => {
    const now = new Date('2025-06-15T03:00:00Z');
    expect(coverageInstant({ from: '2025-03-01', to: '2025-03-31' }, now).toISOString()).toBe(
      '2025-03-31T16:59:59.999Z',
    );
    expect(coverageInstant({ from: '2025-01-01', to: '2025-12-31' }, now)).toEqual(now);
  });

  it('counts an organisation certificate revoked after the instant, not one revoked before or a personal one', () => {
    const at = new Date('2025-03-31T16:59:59Z');
    expect(hasValidOrganisationCertificate([cert({})], '000.00.32.H29', at)).toBe(true);
    expect(
      hasValidOrganisationCertificate(
        [cert({ status: 'revoked', revokedAt: new Date('2025-04-02T00:00:00Z') })],
        '000.00.32.H29',
        at,
      ),
    ).toBe(true);
    expect(
      hasValidOrganisationCertificate(
        [cert({ status: 'revoked', revokedAt: new Date('2025-03-18T00:00:00Z') })],
        '000.00.32.H29',
        at,
      ),
    ).toBe(false);
    expect(hasValidOrganisationCertificate([cert({ profile: 'personal' })], '000.00.32.H29', at)).toBe(false);
    expect(
      hasValidOrganisationCertificate([cert({ notBefore: new Date('2025-04-01') })], '000.00.32.H29', at),
    ).toBe(false);
  });
});
