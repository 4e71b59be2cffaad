import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEFAULT_DASHBOARD_DIR } from '../../api/routes/dashboard';
import { dayStart, vnDay } from '../../kpi/period';
import { KpiStore } from '../../store/kpi-store';
import { startHarness, type Harness } from './helpers/harness';

const ROOT = resolve(__dirname, '../..');
const OUTPUT = join(ROOT, 'test-output');
const SNV = '000.00.32.H29';
const STC = '000.00.33.H29';
const TP = '000.01.01.H29';
const PL = '000.01.02.H29';
const P = '000.00.00.H29';

let h: Harness;
let base: string;
let context: BrowserContext;
let page: Page;
let profileDir: string;
let leaderToken: string;

/** Builds the dashboard from the current sources (`npm run build:dashboard`), as the API serves it. */
function buildDashboard(): void {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'dashboard'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  if (!existsSync(join(DEFAULT_DASHBOARD_DIR, 'index.html')))
    throw new Error('the dashboard build wrote nothing');
}

async function seed(): Promise<void> {
  const kpis = new KpiStore(h.deps.db!);
  // Everything happens today (Vietnam), so the dashboard's default period (1 January to today) holds it all.
  const today = vnDay(new Date());
  const ago = (slot: number, minutes = 0) =>
    new Date(dayStart(today).getTime() + ((3 - slot) * 240 + minutes + 1) * 60_000).toISOString();
  let n = 0;
  const rec = async (
    agency: string,
    type: string,
    time: string,
    documentId: string,
    details: Record<string, unknown> = {},
  ) =>
    kpis.apply(
      await h.deps.audit.append({
        id: `dash:${++n}:${documentId}`,
        time,
        agency,
        actor: 'system',
        type,
        documentId,
        details,
      }),
    );
  const deliver = async (
    from: string,
    to: string,
    doc: string,
    days: number,
    valid: boolean,
    acceptAfter?: number,
  ) => {
    await rec(from, 'document.sealed', ago(days), doc);
    await rec(from, 'document.dispatched', ago(days), doc, { recipient: to });
    const inbox = `${from}_${doc}`;
    await rec(to, 'incoming.received', ago(days, 1), inbox, { from });
    await rec(to, valid ? 'incoming.verified' : 'incoming.verification_failed', ago(days, 2), inbox, {
      from,
      reason: valid ? undefined : 'SIGNATURE_INVALID: organisation: digest mismatch',
    });
    if (!valid) {
      const reason = 'SIGNATURE_INVALID: organisation: digest mismatch';
      await rec(to, 'incoming.status_sent', ago(days, 3), inbox, { from, statusCode: '02', reason });
      await rec(from, 'document.status_received', ago(days, 3), doc, {
        recipient: to,
        statusCode: '02',
        reason,
      });
    }
    if (acceptAfter !== undefined) {
      await rec(to, 'incoming.status_sent', ago(days, acceptAfter), inbox, { from, statusCode: '03' });
      await rec(from, 'document.status_received', ago(days, acceptAfter), doc, {
        recipient: to,
        statusCode: '03',
      });
    }
  };
  await deliver(SNV, STC, 'A1', 3, true, 45);
  await deliver(SNV, TP, 'A2', 3, true, 200);
  await deliver(SNV, PL, 'A3', 2, true, 30);
  await deliver(STC, SNV, 'A4', 2, false);
  await deliver(TP, PL, 'A5', 1, true, 90);
  await deliver(P, SNV, 'A6', 1, true);
  await rec(STC, 'document.signed', ago(1), 'A7');
  await rec(TP, 'paper.registered', ago(1), 'paper:A8', {
    from: TP,
    to: [PL, SNV],
    date: today,
    number: 8,
  });
  await rec(STC, 'document.returned', ago(2), 'A9', { reason: 'Sai thể thức' });
  const now = new Date(Date.now() - 86_400_000);
  await h.deps.pki.ensureCa(now);
  for (const code of [P, SNV, STC]) {
    const agency = (await h.deps.identity.getAgency(code))!;
    await h.deps.pki.issueServerHeld(
      { agency: code, profile: 'organisation', commonName: agency.name, organisation: agency.name },
      now,
    );
  }
}

const api = async (path: string) =>
  (
    await h.app.inject({
      method: 'GET',
      url: `/api/v1${path}`,
      headers: { authorization: `Bearer ${leaderToken}` },
    })
  ).json();

beforeAll(async () => {
  buildDashboard();
  h = await startHarness();
  await seed();
  leaderToken = await h.login('leadership.000.00.00.h29');
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  profileDir = mkdtempSync(join(tmpdir(), 'lienthong-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1360, height: 900 },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  page = context.pages()[0] ?? (await context.newPage());
}, 180_000);

afterAll(async () => {
  await context?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await h?.close();
});

const valueOf = (selector: string) => page.locator(selector).first().getAttribute('data-value');

describe('leadership dashboard in a real browser', () => {
  it('serves the built dashboard and its bundled assets without a CDN', async () => {
    const redirect = await h.app.inject({ method: 'GET', url: '/dashboard' });
    expect(redirect.statusCode).toBe(302);
    const index = await h.app.inject({ method: 'GET', url: '/dashboard/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<div id="app">');
    expect(index.body).not.toMatch(/https?:\/\//);
  });

  it('signs in, shows the same numbers as the API, and saves a screenshot', async () => {
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) external.push(r.url());
    });
    await page.goto(`${base}/dashboard`);
    await page.fill('input[name=username]', 'leadership.000.00.00.h29');
    await page.fill('input[name=password]', 'demo');
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-ready="true"] [data-kpi="exchange-share"]', { timeout: 30_000 });
    expect(await page.textContent('header h1')).toBe('Bảng điều hành liên thông văn bản điện tử');

    const summary = await api('/kpi/summary');
    const table = await api('/kpi/agencies');
    // SNV 3 valid, STC 1 invalid, TP 1 valid + 2 paper, P 1 valid: 5 valid of 6 electronic + 2 paper.
    expect(summary.exchange).toMatchObject({ electronicValid: 5, electronic: 6, paper: 2, total: 8 });
    expect(Number(await valueOf('[data-kpi="exchange-numerator"]'))).toBe(summary.exchange.electronicValid);
    expect(Number(await valueOf('[data-kpi="exchange-denominator"]'))).toBe(summary.exchange.total);
    expect(Number(await valueOf('[data-kpi="exchange-share"]'))).toBeCloseTo(summary.exchange.share, 10);
    expect((await page.textContent('[data-kpi="exchange-share"]'))!.replace(/\s/g, '')).toBe('62,5%');
    expect(Number(await valueOf('[data-kpi="coverage-numerator"]'))).toBe(summary.coverage.withCertificate);
    expect(Number(await valueOf('[data-kpi="coverage-denominator"]'))).toBe(summary.coverage.agencies);
    expect(Number(await valueOf('[data-kpi="verification-failures"]'))).toBe(
      summary.health.verificationFailures.count,
    );
    expect(Number(await valueOf('[data-kpi="not-yet-sent"]'))).toBe(summary.health.notYetSent);

    const rows = page.locator('table[data-table="agencies"] tbody tr');
    expect(await rows.count()).toBe(table.items.length);
    for (const item of table.items) {
      const row = page.locator(`tr[data-agency="${item.code}"]`);
      expect(await row.locator('[data-col="name"]').textContent()).toBe(item.name);
      expect(Number(await row.locator('[data-col="total"]').getAttribute('data-value'))).toBe(item.total);
      const share = await row.locator('[data-col="share"]').getAttribute('data-value');
      expect(share === '' ? null : Number(share)).toBe(item.share);
      expect(await row.getAttribute('class')).toContain(item.shareStatus);
    }
    expect(await page.locator('canvas#trend-chart').count()).toBe(1);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });
    expect(external).toEqual([]);
  }, 60_000);

  it('sorts the agency table, drills down into an agency and switches to English', async () => {
    await page.click('th[data-sort="total"]');
    const totals = await page
      .locator('tbody tr [data-col="total"]')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    expect(totals).toEqual([...totals].sort((a, b) => b - a));

    await page.click(`tr[data-agency="${SNV}"]`);
    await page.waitForSelector(`[data-drill="${SNV}"]`);
    const drill = await api(`/kpi/agencies/${SNV}`);
    expect(await page.locator(`[data-drill="${SNV}"] tr[data-open]`).count()).toBe(drill.openItems.length);
    expect(drill.openItems.map((o: { kind: string }) => o.kind)).toEqual(['await03']);
    await page.screenshot({ path: join(OUTPUT, 'dashboard-drill-down.png') });
    await page.click(`[data-drill="${SNV}"] .card-head button`);

    await page.click('[data-action="lang"]');
    expect(await page.textContent('header h1')).toBe('Electronic document exchange dashboard');
    expect((await page.textContent('[data-kpi="exchange-share"]'))!.replace(/\s/g, '')).toBe('62.5%');
    await page.click('[data-action="lang"]');
  }, 60_000);

  it('shows an agency clerk only their agency', async () => {
    await page.click('button.logout');
    await page.fill('input[name=username]', `clerk.${TP.toLowerCase()}`);
    await page.fill('input[name=password]', 'demo');
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-ready="true"] [data-scope="agency"]', { timeout: 30_000 });
    expect(await page.locator('table[data-table="agencies"] tbody tr').count()).toBe(1);
    // TP: one valid electronic delivery and two paper ones.
    expect(Number(await valueOf('[data-kpi="exchange-denominator"]'))).toBe(3);
  }, 60_000);

  it('runs the dashboard and the API docs under their Content-Security-Policy without a violation', async () => {
    const violations: string[] = [];
    const watch = (m: { text(): string }) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    };
    page.on('console', watch);
    try {
      const res = await page.goto(`${base}/dashboard/`);
      expect(res!.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.waitForSelector('body[data-ready="true"] [data-kpi="exchange-share"]', { timeout: 30_000 });
      const docs = await page.goto(`${base}/docs/`);
      expect(docs!.headers()['x-frame-options']).toBe('DENY');
      await page.waitForSelector('.swagger-ui .info .title', { timeout: 30_000 });
      expect(await page.locator('.opblock').count()).toBeGreaterThan(40);
    } finally {
      page.off('console', watch);
    }
    expect(violations).toEqual([]);
  }, 60_000);
});
