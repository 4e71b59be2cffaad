import {
  agencyRows,
  colourOf,
  coverageInstant,
  hasValidOrganisationCertificate,
  summarise,
  type CertificateFact,
  type KpiInputs,
} from '../../../kpi/compute';
import type { OpenItem } from '../../../kpi/event-effects';
import { DEMO_AGENCIES } from '../../../store/demo-province';

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

describe('open items in the agency rows and the summary', () => {
  const [province, department, commune] = [DEMO_AGENCIES[0], DEMO_AGENCIES[2], DEMO_AGENCIES[13]];
  const now = new Date('2026-11-30T03:00:00Z');
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();
  let n = 0;
  const item = (agency: string, kind: OpenItem['kind'], since: string): OpenItem => ({
    id: `${kind}|${agency}|d${++n}`,
    kind,
    agency,
    documentId: `d${n}`,
    since,
  });
  const inputs = (open: OpenItem[], slaHours?: number): KpiInputs => ({
    period: { from: '2026-01-01', to: '2026-11-30' },
    now,
    agencies: [province, department, commune],
    counters: [],
    open,
    certificates: [],
    // The commune has 48 hours to accept, the others the default 24.
    sla: { defaultHours: 24, agencies: [{ agency: commune.code, hours: 48 }] },
    slaHours,
  });
  const open = [
    item(department.code, 'await03', hoursAgo(30)), // overdue at 24 h
    item(department.code, 'await03', hoursAgo(24)), // exactly at the SLA: overdue
    item(department.code, 'await03', hoursAgo(23)),
    item(department.code, 'unsent', hoursAgo(100)),
    item(commune.code, 'await03', hoursAgo(30)), // within the commune's 48 h
    item(commune.code, 'await03', hoursAgo(49)),
    item(commune.code, 'overdue', hoursAgo(5)),
    item(commune.code, 'issued', hoursAgo(5)), // counted nowhere
    item('000.99.99.H29', 'unsent', hoursAgo(1)), // outside the scope
  ];

  it('counts per agency what is not yet sent, awaiting acceptance past its SLA and overdue in approval', () => {
    const rows = new Map(agencyRows(inputs(open)).map((r) => [r.code, r]));
    expect(rows.get(department.code)).toMatchObject({
      notYetSent: 1,
      pendingOverdue: 2,
      approvalsOverdue: 0,
    });
    expect(rows.get(commune.code)).toMatchObject({ notYetSent: 0, pendingOverdue: 1, approvalsOverdue: 1 });
    expect(rows.get(province.code)).toMatchObject({ notYetSent: 0, pendingOverdue: 0, approvalsOverdue: 0 });
    // An SLA given with the query applies to every agency.
    const strict = new Map(agencyRows(inputs(open, 1)).map((r) => [r.code, r]));
    expect(strict.get(department.code)?.pendingOverdue).toBe(3);
    expect(strict.get(commune.code)?.pendingOverdue).toBe(2);
  });

  it('sums the scope in the summary, leaving out agencies outside it', () => {
    const summary = summarise(inputs(open), { kind: 'province' });
    expect(summary.health.notYetSent).toBe(1);
    expect(summary.health.lateAcceptance.pendingOverdue).toBe(3);
    expect(summary.health.approvalsOverdue.open).toBe(1);
    // Asked again with the same list (the read model's settled items are the same objects), the same counts.
    expect(summarise(inputs(open), { kind: 'province' }).health).toEqual(summary.health);
  });
});
