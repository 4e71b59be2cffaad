import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { api, startHarness, type Api, type Harness } from './helpers/harness';
import type { DemoSummary } from '../../cli/demo';

let h: Harness;
let a: Api;
let base: string;

beforeAll(async () => {
  h = await startHarness({ exchange: true, pki: true });
  a = api(h);
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await h?.close();
});

/** Runs `lienthong demo` as a process, as a newcomer would after `npm start`. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, '../../bin/lienthong.js'), 'demo', ...args], {
      env: { ...process.env, LIENTHONG_API_URL: base },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('lienthong demo', () => {
  it('drives the running API as its users would and prints a summary', async () => {
    // Nine documents, three per level: a document returned and then withdrawn (the demo's 5% case) must not leave a
    // level with nothing issued, as one of five did. Each document's fate follows from the seed and its index alone.
    const run = await runCli(['--documents', '9', '--days', '10', '--seed', '7', '--late-seconds', '1']);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    const summary = JSON.parse(run.stdout) as DemoSummary;
    expect(summary.api).toBe(base);
    expect(summary.errors).toEqual([]);
    expect(summary.agencies).toBe(5);
    const d = summary.documents;
    expect(d.failed).toBe(0);
    expect(d.issued + d.withdrawn).toBe(9);
    expect(d.issued).toBeGreaterThan(0);
    // Every level of the directory sent something (province, departments, communes), not only the first agencies.
    const levels = [...new Set(summary.participants.map((p) => p.level))].sort();
    expect(levels).toEqual(['commune', 'department', 'province']);
    for (const level of levels) expect(d.issuedByLevel[level]).toBeGreaterThan(0);
    expect(Object.values(d.issuedByLevel).reduce((x, y) => x + y, 0)).toBe(d.issued);
    // One login per user taking part (four per agency, and the administrator): tokens are kept for the run.
    expect(summary.logins).toBeLessThanOrEqual(4 * summary.participants.length + 1);
    const r = summary.recipients;
    expect(r.deliveries).toBeGreaterThanOrEqual(d.issued);
    expect(r.accepted + r.rejected + r.autoRejected).toBe(r.deliveries);
    expect(r.timedOut).toBe(0);
    expect(run.stderr).toMatch(/\[#+\.*\] 9\/9 documents/);

    // Paper documents are registered where the running API has the route, and reported missing otherwise.
    if (summary.paperDocuments.skipped === null) expect(summary.paperDocuments.registered).toBeGreaterThan(0);
    else expect(summary.missingRoutes).toContain('POST /api/v1/paper-documents');

    // The leadership change went through the API: the leaver can no longer sign in; every audit chain holds.
    const change = summary.leadershipChange!;
    expect(change).toMatchObject({ revokedSerials: 1 });
    const login = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: change.leaver, password: 'demo' },
    });
    expect(login.statusCode).toBe(401);
    const events = await a.call('admin', 'GET', '/audit/verify');
    expect(events.body).toMatchObject({ ok: true });
  }, 180_000);

  it('exits 2 with a clear message when the API cannot be reached', async () => {
    const run = await runCli(['--api', 'http://127.0.0.1:9', '--documents', '1', '--no-progress']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot reach the lienthong API at http://127.0.0.1:9');
    expect(run.stdout).toBe('');
  }, 30_000);
});
