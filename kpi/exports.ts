import type { AgencyKpiRow, KpiSummary, KpiTrend } from '../schemas/kpi';
import { toCsv, type CsvColumn } from './csv';
import { levelLabel } from './labels';

const pct = (v: number | null) => (v === null ? '' : (v * 100).toFixed(1));

export const AGENCY_COLUMNS: CsvColumn<AgencyKpiRow>[] = [
  { header: 'Mã cơ quan', value: (r) => r.code },
  { header: 'Tên cơ quan', value: (r) => r.name },
  { header: 'Cấp', value: (r) => levelLabel(r.level) },
  { header: 'VB điện tử hợp lệ', value: (r) => r.electronicValid },
  { header: 'VB điện tử', value: (r) => r.electronic },
  { header: 'VB giấy', value: (r) => r.paper },
  { header: 'Tổng VB liên thông', value: (r) => r.total },
  { header: 'Tỷ lệ điện tử (%)', value: (r) => pct(r.share) },
  { header: 'Đánh giá', value: (r) => r.shareStatus },
  { header: 'Có chứng thư số cơ quan', value: (r) => (r.hasValidCertificate ? 'có' : 'không') },
  { header: 'Lượt gửi', value: (r) => r.sent },
  { header: 'VB phát hành', value: (r) => r.issued },
  { header: 'Chưa gửi', value: (r) => r.notYetSent },
  { header: 'Gửi lỗi', value: (r) => r.sendFailures },
  { header: 'Trả lại (duyệt)', value: (r) => r.returned },
  { header: 'Bị từ chối', value: (r) => r.rejected },
  { header: 'Lỗi xác thực chữ ký', value: (r) => r.verificationFailures },
  { header: 'Đã tiếp nhận', value: (r) => r.accepted },
  { header: 'Tiếp nhận trễ', value: (r) => r.acceptedLate },
  { header: 'Chờ tiếp nhận quá hạn', value: (r) => r.pendingOverdue },
  { header: 'Trung vị phát hành→tiếp nhận (phút)', value: (r) => r.medianIssueToAcceptanceMinutes },
  { header: 'Phê duyệt quá hạn', value: (r) => r.approvalsOverdue },
];

export function agenciesCsv(rows: AgencyKpiRow[]): string {
  return toCsv(rows, AGENCY_COLUMNS);
}

interface SummaryLine {
  scope: string;
  level: string;
  ex: KpiSummary['exchange'];
  cov: KpiSummary['coverage'];
}

export function summaryCsv(s: KpiSummary, scopeName: string): string {
  const lines: SummaryLine[] = [
    { scope: scopeName, level: 'Tất cả', ex: s.exchange, cov: s.coverage },
    ...s.levels.map((l) => ({
      scope: scopeName,
      level: levelLabel(l.level),
      ex: l.exchange,
      cov: l.coverage,
    })),
  ];
  return toCsv(lines, [
    { header: 'Phạm vi', value: (l) => l.scope },
    { header: 'Cấp', value: (l) => l.level },
    { header: 'Từ ngày', value: () => s.period.from },
    { header: 'Đến ngày', value: () => s.period.to },
    { header: 'VB điện tử hợp lệ (tử số)', value: (l) => l.ex.electronicValid },
    { header: 'VB điện tử', value: (l) => l.ex.electronic },
    { header: 'VB giấy', value: (l) => l.ex.paper },
    { header: 'Tổng VB liên thông (mẫu số)', value: (l) => l.ex.total },
    { header: 'Tỷ lệ điện tử (%)', value: (l) => pct(l.ex.share) },
    { header: 'Số cơ quan', value: (l) => l.cov.agencies },
    { header: 'Có chứng thư số cơ quan', value: (l) => l.cov.withCertificate },
    { header: 'Tỷ lệ có chứng thư (%)', value: (l) => pct(l.cov.certificateShare) },
    { header: 'Đã ký và gửi', value: (l) => l.cov.signedAndSent },
    { header: 'Tỷ lệ đã ký và gửi (%)', value: (l) => pct(l.cov.sentShare) },
  ]);
}

export function trendCsv(t: KpiTrend): string {
  return toCsv(t.months, [
    { header: 'Tháng', value: (m) => m.month },
    { header: 'VB điện tử hợp lệ', value: (m) => m.electronicValid },
    { header: 'VB điện tử', value: (m) => m.electronic },
    { header: 'VB giấy', value: (m) => m.paper },
    { header: 'Tổng VB liên thông', value: (m) => m.total },
    { header: 'Tỷ lệ điện tử (%)', value: (m) => pct(m.share) },
    { header: 'Lượt gửi', value: (m) => m.sent },
  ]);
}
