import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFPage, type RGB } from 'pdf-lib';
import type { AgencyKpiRow, KpiSummary, KpiTrend, StatusColour } from '../schemas/kpi';
import { levelLabel, REVOCATION_REASON_LABELS } from './labels';
import { VN_OFFSET_MS } from './period';

/** What the yearly deployment report shows (computed by the KPI service). */
export interface YearlyReportData {
  year: number;
  /** "Toàn tỉnh" or the agency's name. */
  scopeName: string;
  provinceName: string;
  summary: KpiSummary;
  rows: AgencyKpiRow[];
  /** The twelve months of the year. */
  trend: KpiTrend;
  generatedAt: Date;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;
const INK = rgb(0.11, 0.15, 0.2);
const MUTED = rgb(0.37, 0.42, 0.48);
const LINE = rgb(0.85, 0.87, 0.9);
const COLOURS: Record<StatusColour, RGB> = {
  green: rgb(0.18, 0.49, 0.2),
  amber: rgb(0.98, 0.66, 0.15),
  red: rgb(0.78, 0.16, 0.16),
  none: rgb(0.62, 0.62, 0.62),
};

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1).replace('.', ',')}%`);
const dmy = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
const num = (n: number) => n.toLocaleString('vi-VN');
/** `HH:mm ngày dd/MM/yyyy` in Vietnam. */
const vnTime = (d: Date) => {
  const iso = new Date(d.getTime() + VN_OFFSET_MS).toISOString();
  return `${iso.slice(11, 16)} ngày ${dmy(iso.slice(0, 10))}`;
};

/** Page writer: a cursor that moves down and starts a new page when the next block does not fit. */
class Writer {
  page!: PDFPage;
  y = 0;
  pages = 0;
  constructor(
    private readonly doc: PDFDocument,
    readonly font: PDFFont,
    readonly bold: PDFFont,
    private readonly footer: string,
  ) {
    this.newPage();
  }

  get width(): number {
    return A4[0] - 2 * MARGIN;
  }

  newPage(): void {
    this.page = this.doc.addPage(A4);
    this.pages++;
    this.y = A4[1] - MARGIN;
    this.page.drawText(`${this.footer} — trang ${this.pages}`, {
      x: MARGIN,
      y: MARGIN / 2,
      size: 8,
      font: this.font,
      color: MUTED,
    });
  }

  ensure(height: number): void {
    if (this.y - height < MARGIN) this.newPage();
  }

  fit(text: string, size: number, width: number, font = this.font): string {
    if (font.widthOfTextAtSize(text, size) <= width) return text;
    let s = text;
    while (s.length > 1 && font.widthOfTextAtSize(`${s}…`, size) > width) s = s.slice(0, -1);
    return `${s}…`;
  }

  /** Wrapped paragraph. */
  text(
    text: string,
    opts: { size?: number; bold?: boolean; color?: RGB; centre?: boolean; gap?: number } = {},
  ): void {
    const size = opts.size ?? 10;
    const font = opts.bold ? this.bold : this.font;
    const words = text.split(/\s+/);
    const lines: string[] = [];
    let line = '';
    for (const w of words) {
      const next = line ? `${line} ${w}` : w;
      if (font.widthOfTextAtSize(next, size) > this.width && line) {
        lines.push(line);
        line = w;
      } else line = next;
    }
    if (line) lines.push(line);
    for (const l of lines) {
      this.ensure(size * 1.4);
      const w = font.widthOfTextAtSize(l, size);
      this.page.drawText(l, {
        x: opts.centre ? MARGIN + (this.width - w) / 2 : MARGIN,
        y: this.y - size,
        size,
        font,
        color: opts.color ?? INK,
      });
      this.y -= size * 1.4;
    }
    this.y -= opts.gap ?? 2;
  }

  heading(text: string): void {
    this.ensure(40);
    this.y -= 8;
    this.text(text, { size: 12, bold: true, gap: 4 });
  }

  /** A table with a bold header row; repeats the header on a new page. */
  table(
    columns: { header: string; width: number; align?: 'right' }[],
    rows: (string | { text: string; colour?: RGB })[][],
  ): void {
    const size = 8.5;
    const rowH = 14;
    const total = columns.reduce((s, c) => s + c.width, 0);
    const scale = this.width / total;
    const drawRow = (cells: (string | { text: string; colour?: RGB })[], header: boolean) => {
      this.ensure(rowH + 2);
      let x = MARGIN;
      if (header)
        this.page.drawRectangle({
          x: MARGIN,
          y: this.y - rowH,
          width: this.width,
          height: rowH,
          color: rgb(0.95, 0.96, 0.97),
        });
      cells.forEach((cell, i) => {
        const c = columns[i];
        const w = c.width * scale;
        const { text, colour } = typeof cell === 'string' ? { text: cell, colour: undefined } : cell;
        const font = header ? this.bold : this.font;
        const s = this.fit(text, size, w - 6, font);
        const tw = font.widthOfTextAtSize(s, size);
        this.page.drawText(s, {
          x: c.align === 'right' && !header ? x + w - 3 - tw : x + 3,
          y: this.y - rowH + 4,
          size,
          font,
          color: colour ?? INK,
        });
        x += w;
      });
      this.page.drawLine({
        start: { x: MARGIN, y: this.y - rowH },
        end: { x: MARGIN + this.width, y: this.y - rowH },
        thickness: 0.5,
        color: LINE,
      });
      this.y -= rowH;
    };
    drawRow(
      columns.map((c) => c.header),
      true,
    );
    for (const r of rows) {
      if (this.y - rowH < MARGIN) {
        this.newPage();
        drawRow(
          columns.map((c) => c.header),
          true,
        );
      }
      drawRow(r, false);
    }
    this.y -= 6;
  }

  /** Horizontal bar toward a target, with the target marked. */
  bar(label: string, share: number | null, target: number, colour: StatusColour, detail: string): void {
    this.ensure(30);
    const x = MARGIN + 170;
    const w = this.width - 170 - 90;
    this.page.drawText(this.fit(label, 9, 165), {
      x: MARGIN,
      y: this.y - 12,
      size: 9,
      font: this.font,
      color: INK,
    });
    this.page.drawRectangle({ x, y: this.y - 14, width: w, height: 10, color: LINE });
    this.page.drawRectangle({
      x,
      y: this.y - 14,
      width: w * Math.max(0, Math.min(1, share ?? 0)),
      height: 10,
      color: COLOURS[colour],
    });
    this.page.drawLine({
      start: { x: x + w * target, y: this.y - 17 },
      end: { x: x + w * target, y: this.y - 1 },
      thickness: 1.2,
      color: INK,
    });
    this.page.drawText(`${pct(share)}  ${detail}`, {
      x: x + w + 6,
      y: this.y - 12,
      size: 8.5,
      font: this.bold,
      color: INK,
    });
    this.y -= 20;
  }

  /** Monthly share as bars with the target line. */
  trendChart(trend: KpiTrend): void {
    const height = 140;
    this.ensure(height + 30);
    const top = this.y - 6;
    const bottom = top - height;
    const left = MARGIN + 30;
    const width = this.width - 30;
    for (const v of [0, 0.5, 1]) {
      const y = bottom + height * v;
      this.page.drawLine({ start: { x: left, y }, end: { x: left + width, y }, thickness: 0.4, color: LINE });
      this.page.drawText(`${v * 100}%`, { x: MARGIN, y: y - 3, size: 7, font: this.font, color: MUTED });
    }
    const slot = width / trend.months.length;
    trend.months.forEach((m, i) => {
      const x = left + i * slot + slot * 0.15;
      if (m.share !== null) {
        const colour: StatusColour =
          m.share >= trend.target ? 'green' : m.share >= trend.target - 0.2 ? 'amber' : 'red';
        this.page.drawRectangle({
          x,
          y: bottom,
          width: slot * 0.7,
          height: height * m.share,
          color: COLOURS[colour],
        });
      }
      this.page.drawText(m.month.slice(5), {
        x: x + slot * 0.2,
        y: bottom - 10,
        size: 7,
        font: this.font,
        color: MUTED,
      });
      this.page.drawText(m.total ? String(m.total) : '', {
        x: x + slot * 0.2,
        y: bottom + 2 + height * (m.share ?? 0),
        size: 6.5,
        font: this.font,
        color: INK,
      });
    });
    const ty = bottom + height * trend.target;
    this.page.drawLine({
      start: { x: left, y: ty },
      end: { x: left + width, y: ty },
      thickness: 1,
      color: COLOURS.red,
      dashArray: [4, 3],
    });
    this.page.drawText(`Mục tiêu ${pct(trend.target)}`, {
      x: left + width - 70,
      y: ty + 3,
      size: 7,
      font: this.font,
      color: COLOURS.red,
    });
    this.y = bottom - 18;
  }
}

/**
 * The yearly deployment report ("báo cáo kết quả triển khai") as an unsigned PDF: the year's KPIs 1-4, the
 * per-level breakdown, a monthly chart and the agency table, in Vietnamese with an embedded TrueType font.
 * Sign the result (it is saved without object streams, as the incremental signer expects a classic PDF).
 */
export async function buildYearlyReportPdf(
  data: YearlyReportData,
  fonts: { regular: Uint8Array; bold?: Uint8Array },
): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const font = await doc.embedFont(fonts.regular, { subset: true });
  const bold = fonts.bold ? await doc.embedFont(fonts.bold, { subset: true }) : font;
  const title = `Báo cáo kết quả triển khai liên thông văn bản điện tử năm ${data.year}`;
  doc.setTitle(title);
  doc.setAuthor(data.provinceName);
  doc.setSubject(data.scopeName);
  doc.setLanguage('vi-VN');
  doc.setCreationDate(data.generatedAt);
  doc.setModificationDate(data.generatedAt);
  doc.setProducer('lienthong');
  doc.setCreator('lienthong');

  const w = new Writer(doc, font, bold, `${title} — ${data.scopeName}`);
  writeReportHead(w, data);
  writeExchangeShare(w, data);
  writeSignatureCoverage(w, data);
  writeExchangeHealth(w, data);
  writeCertificateLifecycle(w, data);
  writeAgencyTable(w, data);
  return doc.save({ useObjectStreams: false });
}

/** The report's head: province, national title, report title, scope and period. */
function writeReportHead(w: Writer, data: YearlyReportData): void {
  const s = data.summary;
  w.text(data.provinceName.toUpperCase(), { size: 11, bold: true, centre: true });
  w.text('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM — Độc lập - Tự do - Hạnh phúc', {
    size: 9,
    centre: true,
    gap: 14,
  });
  w.text('BÁO CÁO KẾT QUẢ TRIỂN KHAI', { size: 14, bold: true, centre: true });
  w.text(`LIÊN THÔNG VĂN BẢN ĐIỆN TỬ NĂM ${data.year}`, { size: 14, bold: true, centre: true });
  w.text(`Phạm vi: ${data.scopeName}`, { size: 10, centre: true });
  w.text(
    `Kỳ báo cáo: ${dmy(s.period.from)} – ${dmy(s.period.to)} (giờ Việt Nam). Lập lúc ${vnTime(data.generatedAt)}.`,
    { size: 9, centre: true, color: MUTED, gap: 10 },
  );
}

/** 1. The share of documents exchanged electronically with valid signatures (target 80%), by level and month. */
function writeExchangeShare(w: Writer, data: YearlyReportData): void {
  const s = data.summary;
  w.heading('1. Tỷ lệ văn bản liên thông điện tử có ký số hợp lệ (mục tiêu 80%)');
  w.text(
    `Văn bản gửi điện tử và được nơi nhận xác thực hợp lệ (đủ hai chữ ký số, chuỗi chứng thư đến gốc tin cậy, chưa bị thu hồi): ${num(s.exchange.electronicValid)} trên tổng số ${num(s.exchange.total)} văn bản liên thông giữa các cơ quan trong tỉnh (${num(s.exchange.electronic)} điện tử, ${num(s.exchange.paper)} giấy).`,
  );
  w.bar(
    'Toàn bộ phạm vi',
    s.exchange.share,
    s.exchange.target,
    s.exchange.status,
    `${num(s.exchange.electronicValid)}/${num(s.exchange.total)}`,
  );
  for (const l of s.levels)
    w.bar(
      levelLabel(l.level),
      l.exchange.share,
      l.exchange.target,
      l.exchange.status,
      `${num(l.exchange.electronicValid)}/${num(l.exchange.total)}`,
    );
  w.text('Tỷ lệ theo tháng:', { size: 9, color: MUTED });
  w.trendChart(data.trend);
}

/** 2. Agencies holding and using certificates (target 100%). */
function writeSignatureCoverage(w: Writer, data: YearlyReportData): void {
  const s = data.summary;
  w.heading('2. Chữ ký số của các cơ quan (mục tiêu 100%)');
  w.bar(
    'Có chứng thư số tổ chức',
    s.coverage.certificateShare,
    1,
    s.coverage.certificateStatus,
    `${s.coverage.withCertificate}/${s.coverage.agencies}`,
  );
  w.bar(
    'Đã ký số và gửi văn bản',
    s.coverage.sentShare,
    1,
    s.coverage.sentStatus,
    `${s.coverage.signedAndSent}/${s.coverage.agencies}`,
  );
  for (const l of s.levels)
    w.bar(
      `${levelLabel(l.level)}: có chứng thư`,
      l.coverage.certificateShare,
      1,
      l.coverage.certificateStatus,
      `${l.coverage.withCertificate}/${l.coverage.agencies}`,
    );
  w.text(
    `Chưa có chứng thư số còn hiệu lực: ${s.coverage.missingCertificate.map((a) => a.name).join('; ') || 'không có'}.`,
    { size: 9 },
  );
  w.text(
    `Chưa gửi văn bản điện tử trong kỳ: ${s.coverage.notSent.map((a) => a.name).join('; ') || 'không có'}.`,
    {
      size: 9,
    },
  );
}

/** 3. What slowed or stopped the exchange: unsent, failed, returned, rejected, late, unverifiable. */
function writeExchangeHealth(w: Writer, data: YearlyReportData): void {
  const s = data.summary;
  w.heading('3. Tình hình liên thông');
  const h = s.health;
  const reasons = (list: { reason: string; count: number }[]) =>
    list.length ? list.map((r) => `${r.reason} (${r.count})`).join('; ') : '';
  w.table(
    [
      { header: 'Chỉ tiêu', width: 220 },
      { header: 'Số lượng', width: 70, align: 'right' },
      { header: 'Ghi chú', width: 210 },
    ],
    [
      ['Đã ký, chưa gửi (hiện tại)', num(h.notYetSent), ''],
      ['Gửi không thành công', num(h.sendFailures), ''],
      ['Trả lại khi trình duyệt', num(h.returned.count), reasons(h.returned.topReasons)],
      ['Bị nơi nhận từ chối', num(h.rejected.count), reasons(h.rejected.topReasons)],
      [
        `Tiếp nhận trễ hạn (quá ${h.lateAcceptance.slaHours} giờ)`,
        num(h.lateAcceptance.acceptedLate),
        `trên ${num(h.lateAcceptance.accepted)} đã tiếp nhận; ${num(h.lateAcceptance.pendingOverdue)} đang chờ quá hạn`,
      ],
      ['Lỗi xác thực chữ ký số', num(h.verificationFailures.count), reasons(h.verificationFailures.byReason)],
      [
        'Từ phát hành đến tiếp nhận (phút)',
        h.issueToAcceptance.medianMinutes === null ? '—' : num(h.issueToAcceptance.medianMinutes),
        h.issueToAcceptance.p95Minutes === null
          ? ''
          : `trung vị; p95: ${num(h.issueToAcceptance.p95Minutes)} phút; ${num(h.issueToAcceptance.count)} lượt`,
      ],
      [
        'Trình duyệt quá hạn',
        num(h.approvalsOverdue.inPeriod),
        `${num(h.approvalsOverdue.open)} đang quá hạn`,
      ],
    ],
  );
}

/** 4. Certificates expiring soon and revoked in the period. */
function writeCertificateLifecycle(w: Writer, data: YearlyReportData): void {
  const s = data.summary;
  w.heading('4. Chứng thư số sắp hết hạn và bị thu hồi');
  w.text(
    `Sắp hết hạn trong 30 / 60 / 90 ngày: ${s.certificates.expiring.within30} / ${s.certificates.expiring.within60} / ${s.certificates.expiring.within90}. Thu hồi trong kỳ: ${s.certificates.revocations.total}${
      s.certificates.revocations.byReason.length
        ? ` (${s.certificates.revocations.byReason.map((r) => `${REVOCATION_REASON_LABELS[r.reason] ?? r.reason}: ${r.count}`).join('; ')})`
        : ''
    }.`,
  );
}

/** 5. One row per agency, and where the KPI definitions are. */
function writeAgencyTable(w: Writer, data: YearlyReportData): void {
  w.heading('5. Kết quả theo cơ quan');
  w.table(
    [
      { header: 'Cơ quan', width: 190 },
      { header: 'Cấp', width: 80 },
      { header: 'Hợp lệ/Tổng', width: 70, align: 'right' },
      { header: 'Tỷ lệ', width: 50, align: 'right' },
      { header: 'Chứng thư', width: 55 },
      { header: 'Lượt gửi', width: 50, align: 'right' },
    ],
    data.rows.map((r) => [
      r.name,
      levelLabel(r.level),
      `${num(r.electronicValid)}/${num(r.total)}`,
      { text: pct(r.share), colour: COLOURS[r.shareStatus] },
      {
        text: r.hasValidCertificate ? 'có' : 'không',
        colour: r.hasValidCertificate ? COLOURS.green : COLOURS.red,
      },
      num(r.sent),
    ]),
  );
  w.text(
    'Định nghĩa các chỉ tiêu: xem kpi/README.md. Báo cáo được ký số bằng chứng thư số tổ chức của hệ thống liên thông cấp tỉnh.',
    { size: 8, color: MUTED },
  );
}
