import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Db } from 'mongodb';
import { chromium } from 'playwright-core';
import { TokenService } from '../../api/auth';
import { buildApp } from '../../api/app';
import { createApiMetrics } from '../../api/metrics';
import { DEFAULT_DASHBOARD_DIR } from '../../api/routes/dashboard';
import { createLogger } from '../../infra/logger';
import { projectRoot } from '../../infra/project-root';
import { parseConfig } from '../../schemas/config';
import { AuditStore } from '../../store/audit-store';
import { DEMO_PASSWORD, DEMO_PROVINCE_CODE, demoUsername } from '../../store/demo-province';
import { IdentityStore } from '../../store/identity-store';
import { LoginAttempts } from '../../store/login-attempts';
import { pkiStoreFromConfig } from '../../store/pki-store';
import { seedDemoProvince } from '../../store/seed';
import { percentile } from './percentile';

/** Debian's Chromium, as the project's system-package check installs it. */
const CHROMIUM = '/usr/bin/chromium';

export interface BrowserTiming {
  /** The first load after sign-in: the API process's read model is filled by it. */
  firstMs: number;
  p50: number;
  p95: number;
  runs: number;
}

/** The dashboard as `npm start` serves it: built once from its sources when no build is there. */
function ensureDashboardBuilt(): void {
  if (existsSync(join(DEFAULT_DASHBOARD_DIR, 'index.html'))) return;
  execFileSync(
    process.execPath,
    [join(projectRoot(), 'node_modules/vite/bin/vite.js'), 'build', 'dashboard'],
    {
      cwd: projectRoot(),
      stdio: 'pipe',
    },
  );
}

/**
 * Times what leadership waits for: the dashboard page in headless Chromium, from the reload to the KPI tiles drawn
 * (`body[data-ready=true]` with the exchange-share tile), served by the real API (routes, authentication, KPI
 * service) over the benchmark's database. The API here needs neither Temporal nor NATS: the KPI routes only read
 * MongoDB. The province's leadership account of the demo seed signs in once; every run then reloads the page.
 */
export async function timeDashboardInBrowser(db: Db, mongoUri: string, runs: number): Promise<BrowserTiming> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM} (npx tsx scripts/ensure-system.ts installs it, as npm test does)`,
    );
  ensureDashboardBuilt();
  const identity = new IdentityStore(db);
  await seedDemoProvince(identity);
  const config = parseConfig(
    {
      LOG_LEVEL: 'fatal',
      MONGODB_URI: mongoUri,
      MONGODB_DB: db.databaseName,
      LIENTHONG_KEYSTORE_PASSPHRASE: 'bench-keystore-passphrase',
    },
    'bench-kpi-jwt-secret-'.padEnd(48, 'x'),
  );
  const app = await buildApp({
    config,
    logger: createLogger('fatal', 'bench-kpi'),
    clock: () => new Date(),
    tokens: new TokenService(config.auth.jwtSecret, config.auth.jwtTtlSeconds),
    identity,
    loginAttempts: new LoginAttempts(db, config.auth.login.windowSeconds),
    audit: new AuditStore(db),
    pki: pkiStoreFromConfig(db, config),
    metrics: createApiMetrics(),
    db,
    probes: { temporal: async () => {}, nats: async () => {}, mongo: async () => {} },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const page = await browser.newPage();
    const drawn = () =>
      page.waitForSelector('body[data-ready="true"] [data-kpi="exchange-share"]', { timeout: 120_000 });
    await page.goto(`${base}/dashboard`);
    await page.fill('input[name=username]', demoUsername('leadership', DEMO_PROVINCE_CODE));
    await page.fill('input[name=password]', DEMO_PASSWORD);
    const firstStarted = performance.now();
    await page.click('button[type=submit]');
    await drawn();
    const firstMs = performance.now() - firstStarted;
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await page.reload();
      await drawn();
      ms.push(performance.now() - started);
    }
    return { firstMs, p50: percentile(ms, 0.5), p95: percentile(ms, 0.95), runs };
  } finally {
    await browser.close();
    await app.close();
  }
}
