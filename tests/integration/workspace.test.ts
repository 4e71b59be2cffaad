import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEFAULT_WORKSPACE_DIR } from '../../api/routes/workspace';
import { incomingId } from '../../schemas/document';
import { startHarness, user, type Harness } from './helpers/harness';

const ROOT = resolve(__dirname, '../..');
const SHOTS = join(ROOT, 'test-output/workspace');
/** Sender: a commune; recipient: a department. */
const TP = '000.01.01.H29';
const SNV = '000.00.32.H29';
/** Generous: two cores shared by the whole suite, and every step goes through Temporal and NATS. */
const WAIT = 60_000;

let h: Harness;
let base: string;
let browser: Browser;
/** Console errors and uncaught exceptions of every page opened, checked at the end of each test. */
const consoleErrors: string[] = [];
/** The HTTP status a test provokes on purpose (a validation failure it then checks in the page). */
let expectedRefusal: number | undefined;

function buildWorkspace(): void {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'workspace'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  if (!existsSync(join(DEFAULT_WORKSPACE_DIR, 'index.html')))
    throw new Error('the workspace build wrote nothing');
}

async function makePdf(text: string): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595.28, 841.89]);
  page.drawText(text, { x: 72, y: 760, size: 14, font });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** A fresh browser context (its own sessionStorage) signed in as `username` through the sign-in form. */
async function signIn(username: string, viewport = { width: 1366, height: 768 }): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Chromium logs every refused request; the one a test provokes on purpose is not a page error.
    if (expectedRefusal && m.text().includes(`status of ${expectedRefusal} `)) return;
    consoleErrors.push(`${username}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${username}: ${e.message}`));
  await page.goto(`${base}/app`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill('demo');
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForSelector('body[data-ready="true"][data-page="outgoing"]', { timeout: WAIT });
  return page;
}

/**
 * Loads the app at `hash` afresh (the session stays in the tab's sessionStorage). Through about:blank, because a
 * navigation that only changes the hash would not reload, and one to the same hash would do nothing at all.
 */
async function open(page: Page, hash: string, pageName: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${base}/app/${hash}`);
  await page.waitForSelector(`body[data-ready="true"][data-page="${pageName}"]`, { timeout: WAIT });
}

/** Reloads `hash` until `selector` shows: the pages show the state when loaded and do not poll by themselves. */
async function until(page: Page, hash: string, pageName: string, selector: string): Promise<void> {
  const deadline = Date.now() + WAIT;
  for (;;) {
    await open(page, hash, pageName);
    if ((await page.locator(selector).count()) > 0) return;
    if (Date.now() > deadline) throw new Error(`${selector} did not appear on ${hash}`);
    await page.waitForTimeout(1000);
  }
}

/**
 * Clicks an action button and waits for the page to show the state it leads to. The read model follows the
 * workflow a moment later (issue answers before dispatch is recorded), so the page is reloaded while it lags.
 */
async function step(page: Page, button: string, state: string): Promise<void> {
  const hash = new URL(page.url()).hash;
  const pageName = await page.locator('body').getAttribute('data-page');
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.waitForSelector('body[data-ready="true"] .status:not(:empty)', { timeout: WAIT });
  const status = await page.locator('.status').textContent();
  if (!status?.startsWith('Đã thực hiện')) {
    await shot(page, `failed-${button}`);
    throw new Error(`"${button}" was refused: ${status}`);
  }
  await until(page, hash, pageName!, `main [data-page][data-state="${state}"]`);
}

async function shot(page: Page, name: string): Promise<void> {
  // A document page is pictured with its PDF drawn.
  if ((await page.locator('[data-pdf]').count()) > 0)
    await page.waitForSelector('[data-pdf][data-rendered]', { timeout: WAIT });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The drafter fills "Soạn văn bản" and saves; answers the new document's id from the detail page. */
async function compose(page: Page, subject: string, screenshot?: string): Promise<string> {
  await page.getByRole('button', { name: 'Soạn văn bản' }).click();
  await page.waitForSelector('body[data-ready="true"][data-page="compose"]', { timeout: WAIT });
  await page.getByLabel('Loại văn bản').selectOption({ label: 'Công văn' });
  await page.getByLabel('Trích yếu').fill(subject);
  await page.getByLabel('Độ khẩn').selectOption({ label: 'Khẩn' });
  await page.getByLabel('Hạn xử lý').fill('2026-12-31');
  await page.getByLabel('Tìm cơ quan').fill('Nội vụ');
  await page.getByLabel('Sở Nội vụ', { exact: true }).check();
  await page.getByLabel('Tệp PDF').setInputFiles({
    name: 'Công văn triển khai.pdf',
    mimeType: 'application/pdf',
    buffer: await makePdf('Cong van trien khai chuyen doi so'),
  });
  if (screenshot) await shot(page, screenshot);
  await page.getByRole('button', { name: 'Lưu dự thảo' }).click();
  await page.waitForSelector('body[data-ready="true"] [data-page="outgoing-detail"][data-state="DRAFT"]', {
    timeout: WAIT,
  });
  return (await page.locator('main [data-page="outgoing-detail"]').getAttribute('data-document'))!;
}

beforeAll(async () => {
  buildWorkspace();
  mkdirSync(SHOTS, { recursive: true });
  h = await startHarness({
    exchange: true,
    pki: true,
    env: { EXCHANGE_ACK_TIMEOUT_SECONDS: '5', EXCHANGE_BACKOFF_MS: '200,500' },
  });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

afterEach(() => {
  const errors = consoleErrors.splice(0);
  expect(errors).toEqual([]);
});

describe('the agency workspace in a real browser', () => {
  it('answers /app with the built page under the pages’ CSP, without any external address', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/app' })).statusCode).toBe(302);
    const index = await h.app.inject({ method: 'GET', url: '/app/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.body).not.toMatch(/https?:\/\//);
  });

  it('carries a document from the drafter to the recipient’s acceptance, completion and recall through the pages only', async () => {
    const subject = 'Công văn về việc triển khai chuyển đổi số — Ủy ban nhân dân xã Tân Phú';
    const drafter = await signIn(user('drafter', TP));
    await shot(drafter, '01-outgoing-list-empty');
    // The header names the user, the agency and the role.
    await expect(drafter.locator('[data-field="agency"]').textContent()).resolves.toBe(
      'Ủy ban nhân dân xã Tân Phú',
    );
    await expect(drafter.locator('[data-field="roles"]').textContent()).resolves.toBe(
      'Chuyên viên soạn thảo',
    );
    const id = await compose(drafter, subject, '02-compose');
    await drafter.waitForSelector('[data-pdf][data-rendered="1"]', { timeout: WAIT });
    await shot(drafter, '03-outgoing-detail-draft');
    expect(await drafter.getByRole('heading', { name: subject }).count()).toBe(1);
    await step(drafter, 'Trình duyệt', 'IN_APPROVAL');

    const approver = await signIn(user('approver', TP));
    await open(approver, `#/outgoing/${id}`, 'outgoing-detail');
    await shot(approver, '04-outgoing-detail-approval');
    await step(approver, 'Duyệt', 'APPROVED');
    expect(
      await approver.locator('[data-section="approval"] li[data-event="document.approved"]').count(),
    ).toBe(1);

    const signer = await signIn(user('signer', TP));
    await open(signer, `#/outgoing/${id}`, 'outgoing-detail');
    await step(signer, 'Ký số', 'SIGNED');

    const clerk = await signIn(user('clerk', TP));
    await open(clerk, `#/outgoing/${id}`, 'outgoing-detail');
    await step(clerk, 'Phát hành', 'DISPATCHED');
    expect(await clerk.locator('[data-number]').getAttribute('data-number')).toMatch(/^\d+\/UBND$/);

    const inboxId = incomingId(TP, id);
    const receiver = await signIn(user('clerk', SNV));
    await until(
      receiver,
      '#/incoming',
      'incoming',
      `tr[data-document="${inboxId}"] [data-verification="ok"]`,
    );
    await shot(receiver, '05-incoming-list');
    await open(receiver, `#/incoming/${inboxId}`, 'incoming-detail');
    await receiver.waitForSelector('[data-pdf][data-rendered]', { timeout: WAIT });
    expect(await receiver.locator('[data-pdf]').getAttribute('data-rendered')).not.toBe('error');
    const report = receiver.locator('[data-section="verification"]');
    expect(await report.getAttribute('data-ok')).toBe('true');
    // Two signatures (the signer's, then the agency's), each passed, named and laid out as Decree 30 asks.
    expect(await report.locator('[data-signature][data-indication="TOTAL_PASSED"]').count()).toBe(2);
    expect(await report.textContent()).toContain('Hợp lệ');
    expect(await report.textContent()).toContain('Ủy ban nhân dân xã Tân Phú');
    await shot(receiver, '06-incoming-detail-verified');
    await step(receiver, 'Tiếp nhận', 'ACCEPTED');

    await until(
      clerk,
      `#/outgoing/${id}`,
      'outgoing-detail',
      `tr[data-recipient="${SNV}"][data-status="03"]`,
    );
    await shot(clerk, '07-outgoing-detail-accepted');
    await open(drafter, '#/outgoing', 'outgoing');
    expect(
      await drafter
        .locator(`tr[data-document="${id}"] [data-recipient="${SNV}"]`)
        .getAttribute('data-status'),
    ).toBe('03');
    await shot(drafter, '08-outgoing-list');

    // The clerk assigns it; the assignee processes and completes it; the sender sees 06.
    await receiver.getByLabel('Người xử lý').fill(user('signer', SNV));
    await step(receiver, 'Phân công', 'ASSIGNED');
    const assignee = await signIn(user('signer', SNV));
    await open(assignee, `#/incoming/${inboxId}`, 'incoming-detail');
    await step(assignee, 'Đang xử lý', 'PROCESSING');
    await step(assignee, 'Hoàn thành', 'COMPLETED');
    await until(
      clerk,
      `#/outgoing/${id}`,
      'outgoing-detail',
      `tr[data-recipient="${SNV}"][data-status="06"]`,
    );

    // The clerk recalls it; the recipient's clerk is told, agrees, and the sender sees 15.
    await clerk.getByLabel('Lý do').fill('Văn bản có sai sót về số liệu');
    await clerk.getByRole('button', { name: 'Thu hồi', exact: true }).click();
    await clerk.waitForSelector(`body[data-ready="true"] tr[data-recipient="${SNV}"] [data-recall="13"]`, {
      timeout: WAIT,
    });
    await until(receiver, `#/incoming/${inboxId}`, 'incoming-detail', '[data-notice="recall"]');
    await until(receiver, '#/notifications', 'notifications', 'li[data-notification].unread');
    expect(Number(await receiver.locator('.bell .count').getAttribute('data-count'))).toBeGreaterThanOrEqual(
      1,
    );
    await shot(receiver, '09-notifications');
    await receiver.getByRole('button', { name: 'Đánh dấu đã đọc' }).first().click();
    await receiver.waitForSelector('body[data-ready="true"] li[data-notification].read', { timeout: WAIT });
    await open(receiver, `#/incoming/${inboxId}`, 'incoming-detail');
    await step(receiver, 'Đồng ý thu hồi', 'RECALLED');
    await until(
      clerk,
      `#/outgoing/${id}`,
      'outgoing-detail',
      `tr[data-recipient="${SNV}"] [data-recall="15"]`,
    );
    await shot(clerk, '10-outgoing-detail-recalled');

    for (const p of [drafter, approver, signer, clerk, receiver, assignee]) await p.context().close();
  }, 300_000);

  it('returns a draft to the drafter with the approver’s reason, and lets the drafter withdraw it', async () => {
    const drafter = await signIn(user('drafter', TP));
    const id = await compose(drafter, 'Kế hoạch kiểm tra cuối năm');
    await step(drafter, 'Trình duyệt', 'IN_APPROVAL');
    const approver = await signIn(user('approver', TP));
    await open(approver, `#/outgoing/${id}`, 'outgoing-detail');
    // No reason: refused in the page, the field gets the focus, nothing is sent.
    await approver.getByRole('button', { name: 'Trả lại', exact: true }).click();
    await expect(approver.evaluate('document.activeElement?.getAttribute("name")')).resolves.toBe('reason');
    await approver.getByLabel('Lý do').fill('Bổ sung số liệu quý IV');
    await step(approver, 'Trả lại', 'RETURNED');

    await open(drafter, `#/outgoing/${id}`, 'outgoing-detail');
    expect(await drafter.locator('[data-table="history"]').textContent()).toContain('Bổ sung số liệu quý IV');
    await shot(drafter, '11-outgoing-detail-returned');
    await step(drafter, 'Rút lại', 'WITHDRAWN');
    for (const p of [drafter, approver]) await p.context().close();
  }, 180_000);

  it('drafts a Decree 30 document from the template form, laid out by the server', async () => {
    const drafter = await signIn(user('drafter', TP));
    await drafter.getByRole('button', { name: 'Soạn văn bản' }).click();
    await drafter.waitForSelector('body[data-ready="true"][data-page="compose"]', { timeout: WAIT });
    await drafter.getByLabel('Loại văn bản').selectOption({ label: 'Thông báo' });
    await drafter.getByLabel('Trích yếu').fill('Lịch tiếp công dân tháng 12');
    await drafter.getByLabel('Tìm cơ quan').fill('Nội vụ');
    await drafter.getByLabel('Sở Nội vụ', { exact: true }).check();
    await drafter.getByLabel('Soạn theo mẫu (Nghị định 30)').check();
    await expect(drafter.getByLabel('Tệp PDF').isHidden()).resolves.toBe(true);
    await drafter
      .getByLabel('Nội dung')
      .fill(
        'Ủy ban nhân dân xã thông báo lịch tiếp công dân tháng 12.\n\nĐề nghị các cơ quan phối hợp thực hiện.',
      );
    await drafter.getByLabel('Thẩm quyền ký').fill('TM. ỦY BAN NHÂN DÂN');
    await drafter.getByLabel('Chức vụ người ký').fill('CHỦ TỊCH');
    await drafter.getByLabel('Họ và tên người ký').fill('Nguyễn Văn Bình');
    await shot(drafter, '05b-compose-template');
    await drafter.getByRole('button', { name: 'Lưu dự thảo' }).click();
    await drafter.waitForSelector(
      'body[data-ready="true"] [data-page="outgoing-detail"][data-state="DRAFT"]',
      {
        timeout: WAIT,
      },
    );
    const id = (await drafter.locator('main [data-page="outgoing-detail"]').getAttribute('data-document'))!;
    await shot(drafter, '05c-outgoing-detail-template');
    // The server laid the document out from the fields: its text is in the stored PDF, read by a tool we did not write.
    const token = await h.login(user('drafter', TP));
    const res = await fetch(`${base}/api/v1/documents/${id}/file`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const text = execFileSync('pdftotext', ['-', '-'], {
      input: Buffer.from(await res.arrayBuffer()),
    }).toString();
    for (const expected of [
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Lịch tiếp công dân tháng 12',
      'TM. ỦY BAN NHÂN DÂN',
    ])
      expect(text).toContain(expected);
    expect(text).toContain('Nguyễn Văn Bình');
    await drafter.context().close();
  }, 180_000);

  it('validates a flow in the editor and shows its simulation before it can be activated', async () => {
    const admin = await signIn(user('agency_admin', TP));
    await open(admin, '#/admin/flows', 'admin-flows');
    await admin.getByLabel('Mã quy trình').fill('cong-van-tan-phu');
    await admin.getByLabel('Tên quy trình').fill('Quy trình duyệt công văn — UBND xã Tân Phú');
    await admin.getByLabel('Công văn', { exact: true }).check();
    await admin.getByLabel('Mã bước (1)').fill('Bước một');
    await admin.getByLabel('Tên bước (1)').fill('Trưởng phòng duyệt');
    const activate = admin.getByRole('button', { name: 'Lưu và kích hoạt' });
    expect(await activate.isDisabled()).toBe(true);
    // The API's validation message names the field.
    expectedRefusal = 422;
    await admin.getByRole('button', { name: 'Mô phỏng' }).click();
    await admin.waitForSelector('[data-errors] li[data-path*="stages"]', { timeout: WAIT });
    expectedRefusal = undefined;
    await shot(admin, '13-flow-editor-invalid');
    await admin.getByLabel('Mã bước (1)').fill('truong-phong');
    await admin.getByRole('button', { name: 'Thêm bước' }).click();
    await admin.getByLabel('Tên bước (2)').fill('Lãnh đạo duyệt văn bản hỏa tốc');
    await admin
      .getByLabel('Điều kiện áp dụng bước (2)')
      .selectOption({ label: 'Chỉ văn bản có độ khẩn từ 3' });
    await admin.getByRole('button', { name: 'Mô phỏng' }).click();
    await admin.waitForSelector('[data-simulation] table[data-table="simulation"] tbody tr', {
      timeout: WAIT,
    });
    // The round trip's Công văn of this agency are the recent documents simulated; no version is active yet.
    const rows = admin.locator('table[data-table="simulation"] tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(1);
    expect(await rows.first().textContent()).toContain(
      `Trưởng phòng duyệt (approver.${TP.toLowerCase()}; 1)`,
    );
    await shot(admin, '14-flow-editor-simulation');
    expect(await activate.isDisabled()).toBe(false);
    await activate.click();
    await admin.waitForSelector('body[data-ready="true"] li[data-flow="cong-van-tan-phu"]', {
      timeout: WAIT,
    });
    expect(await admin.locator('.status').textContent()).toContain('Đã kích hoạt phiên bản 1');
    const flow = await h.api(await h.loginAs('agency_admin', TP)).get('/admin/flows/cong-van-tan-phu');
    expect(flow.body).toMatchObject({ activeVersion: 1, latestVersion: 1 });
    expect(flow.body.versions[0].definition.stages[1].when).toEqual({
      field: 'priority',
      op: 'in',
      value: [3],
    });
    await open(admin, '#/admin/users', 'admin-users');
    expect(await admin.locator(`tr[data-user="drafter.${TP.toLowerCase()}"]`).count()).toBe(1);
    await shot(admin, '15-admin-users');
    // The agency's seal and its signer's certificate (issued by the harness), each with its chain to download.
    await open(admin, '#/admin/certificates', 'admin-certificates');
    expect(await admin.locator('table[data-table="certificates"] tr[data-status="active"]').count()).toBe(2);
    const download = admin.waitForEvent('download');
    await admin.getByRole('button', { name: 'Tải chuỗi chứng thư' }).first().click();
    expect((await download).suggestedFilename()).toMatch(/-chain\.pem$/);
    await shot(admin, '16-admin-certificates');
    await admin.context().close();
  }, 180_000);

  it('lets the clerk record a paper document in the register', async () => {
    const clerk = await signIn(user('clerk', TP));
    await open(clerk, '#/paper', 'paper');
    await clerk.getByLabel('Cơ quan nhận').selectOption({ label: 'Sở Nội vụ' });
    await clerk.getByLabel('Số', { exact: true }).fill('12');
    await clerk.getByLabel('Ký hiệu').fill('TB-UBND');
    await clerk.getByLabel('Ngày ban hành').fill('2026-11-20');
    await clerk.getByLabel('Loại văn bản').selectOption({ label: 'Thông báo' });
    await clerk.getByLabel('Trích yếu').fill('Thông báo lịch tiếp công dân tháng 12');
    await clerk.getByRole('button', { name: 'Vào sổ', exact: true }).click();
    await clerk.waitForSelector('body[data-ready="true"] table[data-table="paper"] tr[data-paper]', {
      timeout: WAIT,
    });
    expect(await clerk.locator('table[data-table="paper"]').textContent()).toContain('12/TB-UBND');
    await shot(clerk, '17-paper-register');
    await clerk.context().close();
  }, 120_000);

  it('makes a user whose password was reset choose a new one before anything else', async () => {
    const username = user('approver', SNV);
    const admin = await h.loginAs('admin');
    const reset = await h.api(admin).post(`/admin/users/${username}/reset-password`, {
      password: 'Tam-thoi-2026',
    });
    expect(reset.status).toBe(200);
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN' });
    const page = await context.newPage();
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(`${base}/app/`);
    await page.getByLabel('Tên đăng nhập').fill(username);
    await page.getByLabel('Mật khẩu').fill('Tam-thoi-2026');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForSelector('body[data-ready="true"][data-page="change-password"]', { timeout: WAIT });
    await shot(page, '19-change-password');
    await page.getByLabel('Mật khẩu hiện tại').fill('Tam-thoi-2026');
    await page.getByLabel('Mật khẩu mới', { exact: true }).fill('Mat-khau-moi-2026');
    await page.getByLabel('Nhập lại mật khẩu mới').fill('Mat-khau-moi-2026');
    await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
    await page.waitForSelector('body[data-ready="true"][data-page="outgoing"]', { timeout: WAIT });
    expect(await page.locator('[data-field="fullName"]').count()).toBe(1);
    await h.login(username, 'Mat-khau-moi-2026');
    await context.close();
  }, 120_000);

  it('shows a token holder the signing request and accepts the signature value pasted back', async () => {
    const as = async (role: 'drafter' | 'approver') => h.api(await h.loginAs(role, TP));
    const created = await (
      await as('drafter')
    ).post('/documents', {
      type: 'TTR',
      subject: 'Tờ trình phê duyệt dự toán năm 2027',
      recipients: [SNV],
      fileName: 'to-trinh.pdf',
      pdfBase64: (await makePdf('To trinh phe duyet du toan')).toString('base64'),
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await (await as('drafter')).post(`/documents/${id}/submit`, {})).status).toBe(200);
    expect((await (await as('approver')).post(`/documents/${id}/approve`, {})).status).toBe(200);

    const signer = await signIn(user('signer', TP));
    await open(signer, `#/outgoing/${id}`, 'outgoing-detail');
    await signer.getByText('Yêu cầu ký số bằng token').click();
    await signer.getByRole('button', { name: 'Tạo yêu cầu ký (token)' }).click();
    const toBeSigned = (await signer.locator('[data-to-be-signed]').first().textContent({ timeout: WAIT }))!;
    // The "token": the signer's own key, used outside the server's signing step.
    const token = await h.deps.pki.signerFor(
      { agency: TP, profile: 'personal', username: user('signer', TP) },
      new Date(),
    );
    const value = await token.sign(Buffer.from(toBeSigned, 'base64'), { hash: 'SHA-256' });
    await signer.getByLabel('Chữ ký (base64)').fill(Buffer.from(value).toString('base64'));
    await shot(signer, '18-deferred-signing');
    await step(signer, 'Gửi chữ ký', 'SIGNED');
    await signer.context().close();
  }, 120_000);

  it('signs in and opens a document with the keyboard alone', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN' });
    const page = await context.newPage();
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(`${base}/app/`);
    await page.waitForSelector('body[data-ready="true"][data-page="sign-in"]');
    // The username field has the focus; Tab goes to the password, Enter submits.
    await page.keyboard.type(user('drafter', TP));
    await page.keyboard.press('Tab');
    await page.keyboard.type('demo');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-ready="true"][data-page="outgoing"]', { timeout: WAIT });
    // Tab reaches the first document's link; Enter opens it.
    const first = page.locator('table[data-table="outgoing"] tbody a').first();
    for (let i = 0; i < 30 && !(await first.evaluate((a) => a === a.ownerDocument.activeElement)); i++)
      await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-ready="true"][data-page="outgoing-detail"]', { timeout: WAIT });
    await context.close();
  }, 60_000);

  it('switches to English and stays readable at phone width', async () => {
    const clerk = await signIn(user('clerk', SNV), { width: 390, height: 844 });
    await open(clerk, '#/incoming', 'incoming');
    await shot(clerk, '12-incoming-phone');
    await clerk.locator('[data-action="lang"]').click();
    await clerk.waitForSelector(
      'body[data-ready="true"][data-page="outgoing"], body[data-ready="true"][data-page="incoming"]',
    );
    expect(await clerk.locator('nav.tabs').textContent()).toContain('Incoming');
    // No horizontal scrolling of the page itself at 390 px (tables scroll inside their own box).
    expect(await clerk.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await clerk.locator('[data-action="lang"]').click();
    await clerk.context().close();
  }, 120_000);
});
