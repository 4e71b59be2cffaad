import type { Agency } from '../schemas/identity';
import {
  DEMO_AGENCIES,
  DEMO_AGENCY_ROLES,
  DEMO_PASSWORD,
  DEMO_PROVINCE_CODE,
  demoPersonName,
  demoTitle,
  demoUsername,
} from './demo-province';
import type { IdentityStore } from './identity-store';
import type { PkiStore } from './pki-store';

export interface SeedResult {
  agencies: number;
  usersCreated: number;
}

/**
 * Seeds the demo province idempotently: agencies are upserted, users created only when absent (so passwords
 * changed later survive a restart). `agencies` defaults to the whole demo province; tests pass a subset.
 */
export async function seedDemoProvince(
  identity: IdentityStore,
  agencies: Agency[] = DEMO_AGENCIES,
): Promise<SeedResult> {
  for (const agency of agencies) await identity.upsertAgency(agency);
  const jobs: { run: () => Promise<boolean> }[] = [];
  const province = agencies.find((a) => a.code === DEMO_PROVINCE_CODE) ?? agencies[0];
  jobs.push({
    run: () =>
      identity.ensureUser(
        {
          username: 'admin',
          fullName: 'Quản trị viên tỉnh',
          title: 'Quản trị hệ thống tỉnh',
          agency: province.code,
          roles: ['province_admin'],
          active: true,
        },
        DEMO_PASSWORD,
      ),
  });
  jobs.push({
    run: () =>
      identity.ensureUser(
        {
          username: demoUsername('leadership', province.code),
          fullName: 'Trần Quốc Toản',
          title: 'Phó Chủ tịch Ủy ban nhân dân tỉnh',
          agency: province.code,
          roles: ['leadership'],
          active: true,
        },
        DEMO_PASSWORD,
      ),
  });
  agencies.forEach((agency, ai) =>
    DEMO_AGENCY_ROLES.forEach((role, ri) =>
      jobs.push({
        run: () =>
          identity.ensureUser(
            {
              username: demoUsername(role, agency.code),
              fullName: demoPersonName(ai, ri),
              title: demoTitle(role, agency.level),
              agency: agency.code,
              roles: [role],
              active: true,
            },
            DEMO_PASSWORD,
          ),
      }),
    ),
  );
  // scrypt runs on libuv's thread pool: a few at a time keeps both cores busy without starving the server.
  let usersCreated = 0;
  for (let i = 0; i < jobs.length; i += 4) {
    const created = await Promise.all(jobs.slice(i, i + 4).map((j) => j.run()));
    usersCreated += created.filter(Boolean).length;
  }
  return { agencies: agencies.length, usersCreated };
}

/**
 * Creates the CA if absent and gives every agency its organisation certificate and every signer a personal one
 * (server-held keys), so the demo can sign from the first document. Idempotent.
 */
export async function seedDemoPki(
  identity: IdentityStore,
  pki: PkiStore,
  now: Date,
  agencies: Agency[] = DEMO_AGENCIES,
): Promise<{ certificates: number }> {
  await pki.ensureCa(now);
  const before = (await pki.listCertificates({ status: 'active' })).length;
  for (const agency of agencies) {
    const signers = (await identity.listUsers({ agency: agency.code, role: 'signer' })).filter(
      (u) => u.active,
    );
    await pki.ensureAgencyCertificates(agency, signers, now);
  }
  return { certificates: (await pki.listCertificates({ status: 'active' })).length - before };
}
