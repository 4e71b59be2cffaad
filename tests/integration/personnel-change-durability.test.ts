import type { FastifyInstance } from 'fastify';
import { createPersonnelActivities } from '../../activities/personnel';
import { buildApp } from '../../api/app';
import { Collections } from '../../schemas/constants';
import { PersonnelCollections, type PersonnelChange } from '../../schemas/pki';
import { demoUsername } from '../../store/demo-province';
import { startHarness, type Harness } from './helpers/harness';
import { recordHistory } from './helpers/record-history';

// Issue 13: a personnel change is a workflow whose steps may run again after a crash; running a step twice must
// leave the same trace as running it once, and a request that outlives its wait answers 202 and can be polled.
const TP = '000.01.01.H29'; // Ủy ban nhân dân xã Tân Phú
const OTHER = '000.00.32.H29'; // Sở Nội vụ

let h: Harness;
/** The same API with no patience: every personnel change answers 202 and must be polled. */
let impatient: FastifyInstance;

beforeAll(async () => {
  h = await startHarness();
  await h.deps.pki.ensureCa(new Date());
  impatient = await buildApp({ ...h.deps, personnelChangeWaitMs: 0 });
}, 120_000);

afterAll(async () => {
  await impatient?.close();
  await h?.close();
});

const activities = () => createPersonnelActivities({ db: h.deps.db!, pki: h.deps.pki, audit: h.deps.audit });

describe('personnel-change steps run twice leave one trace', () => {
  it('revokes once, closes once, records once and audits once for the same change id', async () => {
    const acts = activities();
    const leaver = demoUsername('approver', TP);
    const user = (await h.deps.identity.getUser(leaver))!;
    const at = new Date('2026-11-29T08:00:00.000Z');
    const cert = await h.deps.pki.issueServerHeld(
      {
        agency: TP,
        profile: 'personal',
        username: leaver,
        commonName: user.fullName,
        organisation: 'UBND xã',
      },
      at,
    );
    const step = {
      changeId: '6f1c1d7e-0000-4000-8000-000000000001',
      agency: TP,
      leaver,
      at: at.toISOString(),
    };

    const first = await acts.revokeLeaverCertificates(step);
    const second = await acts.revokeLeaverCertificates(step);
    expect(first).toEqual([cert.serialHex]);
    expect(second).toEqual(first);
    const [stored] = (await h.deps.pki.listCertificates({ agency: TP })).filter(
      (c) => c.serialHex === cert.serialHex,
    );
    expect(stored).toMatchObject({
      status: 'revoked',
      revocationReason: 'affiliationChanged',
      revokedAt: at,
    });

    await acts.closeLeaverAccount(step);
    await acts.closeLeaverAccount(step);
    const account = await h.deps.db!.collection(Collections.users).findOne({ _id: leaver as never });
    expect(account).toMatchObject({ active: false, tokenVersion: 1 });

    const change: PersonnelChange = {
      id: step.changeId,
      agency: TP,
      leaver,
      effectiveAt: step.at,
      recordedBy: demoUsername('agency_admin', TP),
      revokedSerials: first,
      reroutedDocuments: 0,
    };
    const chainBefore = (await h.deps.audit.list({ agency: TP })).length;
    for (let attempt = 0; attempt < 2; attempt++) {
      await acts.recordPersonnelChange(change);
      await acts.auditPersonnelChange({ change, at: step.at });
    }
    const records = await h.deps
      .db!.collection(PersonnelCollections.changes)
      .find({ _id: change.id as never });
    expect(await records.toArray()).toHaveLength(1);
    const events = (await h.deps.audit.list({ agency: TP })).filter((e) => e.type === 'pki.personnel_change');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ id: `pki.personnel_change:${change.id}`, details: { id: change.id } });
    expect((await h.deps.audit.list({ agency: TP })).length).toBe(chainBefore + 1);
    expect((await h.deps.audit.verify()).ok).toBe(true);
  }, 60_000);
});

describe('a personnel change that outlives the request', () => {
  it('answers 202 with the workflow id, then 200 with the record on GET; another agency sees 404', async () => {
    const admin = await h.login(demoUsername('agency_admin', TP));
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const leaver = demoUsername('clerk', TP);
    const started = await impatient.inject({
      method: 'POST',
      url: '/api/v1/pki/personnel-changes',
      headers: bearer(admin),
      payload: { leaver, note: 'Chuyển công tác' },
    });
    expect(started.statusCode).toBe(202);
    const { id, status, workflowId } = started.json();
    expect(status).toBe('running');
    expect(workflowId).toBe(`personnel-change:${id}`);

    const get = (token: string) =>
      h.app.inject({ method: 'GET', url: `/api/v1/pki/personnel-changes/${id}`, headers: bearer(token) });
    let res = await get(admin);
    for (let i = 0; i < 100 && res.statusCode === 202; i++) {
      expect(res.json()).toEqual({ id, status: 'running', workflowId });
      await new Promise((resolve) => setTimeout(resolve, 200));
      res = await get(admin);
    }
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      agency: TP,
      leaver,
      note: 'Chuyển công tác',
      recordedBy: demoUsername('agency_admin', TP),
      revokedSerials: [],
      reroutedDocuments: 0,
    });
    const closed = await h.deps.db!.collection(Collections.users).findOne({ _id: leaver as never });
    expect(closed).toMatchObject({ active: false });
    await recordHistory(h, workflowId, 'personnel-change-workflow.json');

    const foreign = await h.login(demoUsername('agency_admin', OTHER));
    expect((await get(foreign)).statusCode).toBe(404);
    expect((await get(await h.login('admin'))).statusCode).toBe(200);
    const unknown = await h.app.inject({
      method: 'GET',
      url: '/api/v1/pki/personnel-changes/00000000-0000-4000-8000-000000000000',
      headers: bearer(admin),
    });
    expect(unknown.statusCode).toBe(404);
    const malformed = await h.app.inject({
      method: 'GET',
      url: '/api/v1/pki/personnel-changes/not-an-id',
      headers: bearer(admin),
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [expect.objectContaining({ path: 'params.id' })],
    });
  }, 60_000);
});
