import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { agencyNatsUser, natsAuthorizationConfig } from '../../../infra/nats-auth';
import { inboxSubject } from '../../../schemas/edxml';
import { freePort, startStack, type RunningStack } from '../../../scripts/lib/stack';
import { testStack } from '../helpers/stack-info';

const A = '000.01.01.H29';
const B = '000.00.32.H29';
let stack: RunningStack;
let dataDir: string;
let url: string;
const open: NatsConnection[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lienthong-nats-auth-'));
  const ports = {
    temporal: 0,
    temporalHttp: 0,
    temporalUi: 0,
    temporalMetrics: 0,
    nats: await freePort(),
    natsMonitor: await freePort(),
    mongo: 0,
  };
  stack = await startStack({
    tools: testStack().tools,
    dataDir,
    ports,
    temporalUi: false,
    natsAuthConfig: natsAuthorizationConfig({
      agencies: [
        { code: A, password: 'mật-khẩu-a' },
        { code: B, password: 'mat-khau-b' },
      ],
      system: { user: 'lienthong-system', password: 'system-secret' },
    }),
    start: { temporal: false, nats: true, mongo: false },
  });
  url = stack.natsUrl;
}, 60_000);

afterAll(async () => {
  for (const nc of open) await nc.close().catch(() => undefined);
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function as(user: string, pass: string): Promise<NatsConnection> {
  const nc = await connect({ servers: url, user, pass, name: user });
  open.push(nc);
  return nc;
}

describe('per-agency NATS credentials', () => {
  it("refuses an agency that subscribes to another agency's inbox, and delivers its own", async () => {
    const a = await as(agencyNatsUser(A), 'mật-khẩu-a');
    const b = await as(agencyNatsUser(B), 'mat-khau-b');

    const refused = new Promise<Error>((resolve) => {
      a.subscribe(inboxSubject(B), {
        callback: (err) => {
          if (err) resolve(err);
        },
      });
    });
    await a.flush();
    const err = await refused;
    expect(err.message).toMatch(/permissions violation/i);

    // B reads its own inbox; A may publish to it.
    const got = new Promise<string>((resolve) => {
      b.subscribe(inboxSubject(B), { callback: (_e, m) => resolve(m.string()) });
    });
    await b.flush();
    a.publish(inboxSubject(B), 'Ủy ban nhân dân xã Tân Phú');
    expect(await got).toBe('Ủy ban nhân dân xã Tân Phú');
  }, 30_000);

  it('refuses a wrong password', async () => {
    await expect(
      connect({ servers: url, user: agencyNatsUser(A), pass: 'sai', reconnect: false }),
    ).rejects.toThrow(/authorization/i);
  });
});
