import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { verifyPdf } from '../../../pdf';
import { ARCHIVE_RENEWED_EVENT } from '../../../activities/archive';
import { createLogger } from '../../../infra/logger';
import { documentWorkflowId } from '../../../schemas/document';
import { ArchiveIndex } from '../../../store/archive-index';
import { AuditStore } from '../../../store/audit-store';
import { FileStore } from '../../../store/file-store';
import { archiveRenewalWorkflow } from '../../../workflows/archive-renewal';
import { createLienthongWorker, type WorkerHandle } from '../../../workers/worker';
import { nssDbWithRoot, pdfsig, tempDir, tool } from '../../unit/pdf/support/tools';
import { api, startHarness, user, type Api, type Harness } from '../helpers/harness';
import { SENDER, signedDocument } from './support';

const RECIPIENT = '000.00.32.H29'; // Sở Nội vụ
const YEAR_MS = 365.25 * 86_400_000;
let h: Harness;
let a: Api;
let later: WorkerHandle | undefined;
let laterRun: Promise<void> | undefined;
let connection: NativeConnection | undefined;

// 4.5 years on: the 5-year TSA certificate of the document time-stamp ends within the one-year window.
const offset = 4.5 * YEAR_MS;
const clock = () => new Date(Date.now() + offset);
const laterQueue = () => `${h.config.temporal.taskQueue}-later`;

beforeAll(async () => {
  h = await startHarness({ exchange: true, pki: true });
  a = api(h);
  // A second worker whose clock reads 4.5 years ahead (the harness worker keeps the real one).
  connection = await NativeConnection.connect({ address: h.config.temporal.address });
  const config = { ...h.config, temporal: { ...h.config.temporal, taskQueue: laterQueue() } };
  later = await createLienthongWorker(
    config,
    connection,
    {
      nats: h.workerNats,
      audit: new AuditStore(h.deps.db!),
      pki: h.deps.pki,
      db: h.deps.db!,
      exchangeNamespace: config.exchange.namespace,
      longTerm: config.exchange.signing,
      clock,
      systemAgency: config.systemAgency,
      renewalReminderDays: config.pki.renewalReminderDays,
    },
    createLogger('warn', 'test-later'),
  );
  laterRun = later.run();
}, 120_000);

afterAll(async () => {
  await later?.shutdown();
  await laterRun?.catch(() => undefined);
  await connection?.close();
  await h?.close();
});

async function renewOnce() {
  return h.deps.temporal!.workflow.execute(archiveRenewalWorkflow, {
    workflowId: `archive-renewal-test-${Date.now()}`,
    taskQueue: laterQueue(),
    args: [{ interval: '1 second', windowDays: 365, pageSize: 10, runs: 1 }],
  });
}

describe('archive time-stamp renewal', () => {
  it('adds a /DSS and a second document time-stamp once the first one is due, audits it, and only once', async () => {
    const s = SENDER.code;
    const id = await signedDocument(a, 'Quyết định lưu trữ vĩnh viễn — Ủy ban nhân dân xã Tân Phú', [
      RECIPIENT,
    ]);
    expect((await a.call(user('clerk', s), 'POST', `/documents/${id}/issue`, {})).status).toBe(200);
    const key = documentWorkflowId(s, id);
    const index = new ArchiveIndex(h.deps.db!);
    const before = await index.get(key);
    // Indexed at issue: the time-stamp relies on the 5-year TSA certificate.
    expect(before).toMatchObject({ agency: s, documentId: id, renewals: 0 });
    expect(before!.reliesUntil.getTime()).toBeGreaterThan(Date.now() + 4.9 * YEAR_MS);
    expect(before!.reliesUntil.getTime()).toBeLessThan(Date.now() + 5.1 * YEAR_MS);

    const outcomes = await renewOnce();
    expect(outcomes).toEqual([
      expect.objectContaining({ id: key, renewed: true, oldSha256: before!.file.sha256 }),
    ]);
    const after = (await index.get(key))!;
    expect(after.renewals).toBe(1);
    expect(after.file.sha256).not.toBe(before!.file.sha256);
    // The renewed time-stamp relies on the TSA's rolled-over certificate: five years from the later clock.
    expect(after.reliesUntil.getTime()).toBeGreaterThan(clock().getTime() + 4.9 * YEAR_MS);

    // The stored file verifies at B-LTA with two document time-stamps, at the later time.
    const files = new FileStore(h.deps.db!);
    const pdf = await files.get(after.file);
    const original = await files.get(before!.file);
    expect(Buffer.from(pdf.subarray(0, original.length))).toEqual(Buffer.from(original)); // incremental
    const root = await h.deps.pki.caCertificate('root');
    const report = await verifyPdf(pdf, { anchors: [root], at: clock(), revocation: 'when-available' });
    expect(report.valid).toBe(true);
    expect(report.signatures.map((x) => [x.role, x.level, x.indication])).toEqual([
      ['personal', 'B-LTA', 'TOTAL_PASSED'],
      ['organisation', 'B-LTA', 'TOTAL_PASSED'],
    ]);
    expect(report.timestamps).toEqual([
      expect.objectContaining({ valid: true }),
      expect.objectContaining({ valid: true }),
    ]);

    // pdfsig (not ours) lists the four: both signatures still valid after two incremental updates, and the two
    // document time-stamps, the newest covering the whole file (poppler 22 does not verify RFC 3161 tokens).
    const dir = tempDir('lienthong-it-archive-renewal-');
    writeFileSync(join(dir, 'renewed.pdf'), pdf);
    const sigs = pdfsig(nssDbWithRoot(dir, root), join(dir, 'renewed.pdf'));
    expect(sigs).toHaveLength(4);
    expect(sigs.map((x) => x.valid).slice(0, 2)).toEqual([true, true]);
    expect(sigs[3]!.total).toBe(true);
    expect(tool('qpdf', ['--check', join(dir, 'renewed.pdf')]).status).toBe(0);

    // Audited with both digests.
    const events = await h.deps.audit.list({ documentId: id, agency: s });
    const renewed = events.filter((e) => e.type === ARCHIVE_RENEWED_EVENT);
    expect(renewed).toHaveLength(1);
    expect(renewed[0]!.details).toMatchObject({
      oldSha256: before!.file.sha256,
      newSha256: after.file.sha256,
    });

    // A second run finds nothing due for it.
    expect((await renewOnce()).filter((o) => o.id === key)).toEqual([]);
    expect((await index.get(key))!.renewals).toBe(1);
  }, 180_000);
});
