import { ApiFailure, MissingRoute, type Reply } from './demo-api';
import type { DemoParties } from './demo-cast';
import type * as DemoDocuments from './demo-documents';
import { documentRun, progressBar, sleep, username, vietnamDay, type DemoRun } from './demo-run';

/**
 * The steps of a demo run, each an ordinary API call by the user whose role it is: outgoing documents from draft
 * to issue, the recipients' answers, paper documents and a leadership change.
 */

const SUBJECTS = [
  'Về việc triển khai kế hoạch chuyển đổi số năm',
  'Về việc báo cáo kết quả cải cách hành chính quý',
  'Về việc tổ chức hội nghị sơ kết công tác',
  'Về việc tăng cường phòng chống thiên tai',
  'Về việc góp ý dự thảo quy chế phối hợp',
  'Về việc cung cấp số liệu thống kê',
  'Về việc kiểm tra công tác văn thư, lưu trữ',
  'Về việc hướng dẫn sử dụng chữ ký số',
];
const TYPES = ['CV', 'CV', 'CV', 'TB', 'KH', 'BC', 'GM', 'QD'] as const;
const APPROVAL_REASONS = [
  'Bổ sung căn cứ pháp lý',
  'Sửa lại số liệu tại mục 2',
  'Rà soát lại thể thức văn bản',
];
const RECIPIENT_REASONS = ['Không thuộc thẩm quyền giải quyết', 'Gửi nhầm cơ quan', 'Thiếu phụ lục kèm theo'];

/**
 * Records a personnel change as the province administrator and waits for it: the API answers 201 when its
 * workflow finishes within the request's wait, else 202 and the change is polled until recorded.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function personnelChange(run: DemoRun, body: Record<string, unknown>): Promise<any> {
  const { api } = run;
  const started = await api.call('admin', 'POST', '/pki/personnel-changes', body);
  if (started.status === 201) return started.body;
  const answer = started.body as { id?: string; code?: string; detail?: string } | undefined;
  if (started.status !== 202 || !answer?.id)
    throw new ApiFailure(
      `POST /pki/personnel-changes as admin: ${started.status} ${answer?.code ?? ''} ${answer?.detail ?? ''}`.trim(),
      started.status,
    );
  for (let attempt = 0; attempt < 120; attempt++) {
    await sleep(500);
    const polled = await api.call('admin', 'GET', `/pki/personnel-changes/${answer.id}`);
    if (polled.status === 200) return polled.body;
    if (polled.status !== 202)
      throw new ApiFailure(`personnel change ${answer.id}: ${polled.status}`, polled.status);
  }
  throw new Error(`personnel change ${answer.id} still running after a minute`);
}

/** One recipient's side of a delivery: wait until it arrives verified, then reject, accept late or accept. */
async function receive(run: DemoRun, sender: string, id: string, recipient: string): Promise<void> {
  const { options, api, random, pick, summary } = run;
  const clerk = username('clerk', recipient);
  const inboxId = `${sender}_${id}`;
  const deadline = Date.now() + options.receiptTimeout * 1000;
  let item: Reply['body'];
  for (;;) {
    const res = await api.call(clerk, 'GET', `/inbox/${inboxId}`);
    item = res.status === 200 ? res.body : undefined;
    if (item?.statusCode === '02') {
      summary.recipients.autoRejected++;
      return;
    }
    if (item?.statusCode === '01' && item.verification) break;
    if (Date.now() > deadline) {
      summary.recipients.timedOut++;
      throw new Error(
        `${inboxId} did not arrive verified at ${recipient} within ${options.receiptTimeout} s`,
      );
    }
    await sleep(250);
  }
  const fate = random();
  if (fate < 0.1) {
    await api.must(clerk, 'POST', `/inbox/${inboxId}/reject`, { reason: pick(RECIPIENT_REASONS) });
    summary.recipients.rejected++;
    return;
  }
  if (fate < 0.3) {
    await sleep(options.lateSeconds * 1000 * (0.5 + random()));
    summary.recipients.acceptedLate++;
  }
  await api.must(clerk, 'POST', `/inbox/${inboxId}/accept`, {});
  summary.recipients.accepted++;
  if (random() < 0.6) {
    const assignee = username('approver', recipient);
    await api.must(clerk, 'POST', `/inbox/${inboxId}/assign`, { username: assignee });
    await api.must(assignee, 'POST', `/inbox/${inboxId}/process`, {});
    await api.must(assignee, 'POST', `/inbox/${inboxId}/complete`, {});
    summary.recipients.completed++;
  }
}

/** The sender of document `i`: the levels send in turn (province, departments, communes…), a random agency each. */
function senderOf(run: DemoRun, parties: DemoParties, i: number) {
  const level = parties.levels[i % parties.levels.length];
  return run.pick(parties.cast.filter((a) => a.level === level));
}

/** One outgoing document from draft to issue (sometimes returned or withdrawn), then its recipients' answers. */
async function oneDocument(shared: DemoRun, parties: DemoParties, i: number): Promise<void> {
  const run = documentRun(shared, i);
  const { options, api, random, pick, summary, noteError } = run;
  const sender = senderOf(run, parties, i);
  const others = parties.cast.filter((a) => a.code !== sender.code);
  const count = Math.min(others.length, 1 + Math.floor(random() * 3));
  const recipients: string[] = [];
  while (recipients.length < count) {
    const r = pick(others).code;
    if (!recipients.includes(r)) recipients.push(r);
  }
  const s = sender.code;
  const subject = `${pick(SUBJECTS)} ${new Date().getFullYear()} (${i + 1})`;
  const daysAgo = random() * options.days;
  const type = pick(TYPES);
  // A real Decree 30 document. Loaded on use, not at the top: pdf-lib and the fonts take ~0.3 s to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { demoDocumentPdf } = require('./demo-documents') as typeof DemoDocuments;
  const pdf = await demoDocumentPdf({
    sender,
    recipients: parties.agencies.filter((a) => recipients.includes(a.code)),
    agencies: parties.agencies,
    type,
    subject,
    date: vietnamDay(0),
    variant: i,
  });
  const created = await api.must(
    username('drafter', s),
    'POST',
    '/documents',
    {
      type,
      subject,
      recipients,
      priority: random() < 0.15 ? 2 : 1,
      // Server time stamps cannot be backdated; the due date is the one date the demo spreads.
      dueDate: vietnamDay(daysAgo - 14),
      fileName: `${subject}.pdf`,
      pdfBase64: pdf.toString('base64'),
    },
    201,
  );
  const id = created.id as string;
  await api.must(username('drafter', s), 'POST', `/documents/${id}/submit`, {});
  const fate = random();
  if (fate < 0.15) {
    await api.must(username('approver', s), 'POST', `/documents/${id}/reject`, {
      reason: pick(APPROVAL_REASONS),
    });
    summary.documents.returnedInApproval++;
    if (fate < 0.05) {
      await api.must(username('drafter', s), 'POST', `/documents/${id}/withdraw`, {});
      summary.documents.withdrawn++;
      return;
    }
    await api.must(username('drafter', s), 'POST', `/documents/${id}/submit`, {});
  }
  // The agency's flow may have several approval steps; the demo's approver takes each one it may.
  for (let step = 0; step < 5; step++) {
    const approved = await api.must(username('approver', s), 'POST', `/documents/${id}/approve`, {
      comment: 'Đồng ý',
    });
    if (approved.state !== 'IN_APPROVAL') break;
  }
  await api.must(username('signer', s), 'POST', `/documents/${id}/sign`, {});
  await api.must(username('clerk', s), 'POST', `/documents/${id}/issue`, {});
  summary.documents.issued++;
  const byLevel = summary.documents.issuedByLevel;
  byLevel[sender.level] = (byLevel[sender.level] ?? 0) + 1;
  summary.recipients.deliveries += recipients.length;
  const results = await Promise.allSettled(recipients.map((r) => receive(run, s, id, r)));
  for (const r of results) if (r.status === 'rejected') noteError(r.reason);
}

/** The electronic documents, `options.concurrency` at a time, with the progress bar. */
export async function runDocuments(run: DemoRun, parties: DemoParties): Promise<void> {
  const { options, summary, noteError } = run;
  const bar = progressBar(options.documents, options.progress);
  let finished = 0;
  let next = 0;
  const lanes = Array.from(
    { length: Math.max(1, Math.min(options.concurrency, options.documents)) },
    async () => {
      while (next < options.documents) {
        const i = next++;
        try {
          await oneDocument(run, parties, i);
        } catch (err) {
          summary.documents.failed++;
          noteError(err);
        }
        bar(++finished, `documents (${summary.documents.issued} issued)`);
      }
    },
  );
  await Promise.all(lanes);
}

/** Paper documents ("văn bản giấy"), dated over the last `days` days: about one for every four electronic ones. */
export async function registerPaperDocuments(run: DemoRun, parties: DemoParties): Promise<void> {
  const { options, api, random, pick, summary, noteError } = run;
  const { agencies, cast } = parties;
  const paper = Math.max(1, Math.round(options.documents / 4));
  for (let i = 0; i < paper && summary.paperDocuments.skipped === null; i++) {
    const from = pick(cast).code;
    const to = pick(agencies.filter((a) => a.code !== from)).code;
    try {
      await api.must(
        username('clerk', from),
        'POST',
        '/paper-documents',
        {
          direction: 'sent',
          from,
          to,
          number: 100_000 + Math.floor(random() * 899_999),
          notation: 'CV-GIAY',
          date: vietnamDay(random() * options.days),
          type: 'CV',
          subject: `${pick(SUBJECTS)} (bản giấy)`,
        },
        201,
      );
      summary.paperDocuments.registered++;
    } catch (err) {
      if (err instanceof MissingRoute) summary.paperDocuments.skipped = 'route missing';
      if (!(err instanceof ApiFailure && err.status === 409)) noteError(err);
    }
  }
}

/** A leadership change near the end: a sender's signer leaves, the approver takes over their pending work. */
export async function changeLeadership(run: DemoRun, parties: DemoParties): Promise<void> {
  const { summary, noteError } = run;
  const changing = parties.cast[parties.cast.length - 1]!;
  try {
    const change = await personnelChange(run, {
      agency: changing.code,
      leaver: username('signer', changing.code),
      successor: username('approver', changing.code),
      note: 'Điều động, bổ nhiệm lãnh đạo (dữ liệu demo)',
    });
    summary.leadershipChange = {
      agency: changing.code,
      leaver: change.leaver,
      successor: change.successor,
      revokedSerials: change.revokedSerials.length,
      reroutedDocuments: change.reroutedDocuments,
    };
  } catch (err) {
    noteError(err);
  }
}
