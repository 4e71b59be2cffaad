import { LEVEL_LABELS, REVOCATION_REASON_LABELS, type Lang } from '../../kpi/labels';

export type { Lang };

const vi = {
  title: 'Bảng điều hành liên thông văn bản điện tử',
  subtitle: 'Tiến độ thực hiện mục tiêu 80% văn bản điện tử có ký số và 100% cơ quan có chữ ký số',
  login: 'Đăng nhập',
  username: 'Tên đăng nhập',
  password: 'Mật khẩu',
  loginFailed: 'Sai tên đăng nhập hoặc mật khẩu',
  logout: 'Đăng xuất',
  from: 'Từ ngày',
  to: 'Đến ngày',
  level: 'Cấp',
  allLevels: 'Tất cả các cấp',
  apply: 'Xem',
  province: 'Toàn tỉnh',
  exchangeShare: 'Tỷ lệ văn bản liên thông điện tử có ký số hợp lệ',
  exchangeDetail: '{num} / {den} văn bản (điện tử hợp lệ / tổng điện tử và giấy)',
  electronic: 'Điện tử',
  paper: 'Giấy',
  target: 'Mục tiêu',
  coverage: 'Cơ quan có chứng thư số tổ chức còn hiệu lực',
  coverageDetail: '{num} / {den} cơ quan',
  signedAndSent: 'Cơ quan đã ký số và gửi văn bản trong kỳ',
  missingCertificate: 'Chưa có chứng thư số',
  notSent: 'Chưa gửi văn bản điện tử',
  byLevel: 'Theo cấp',
  health: 'Tình hình liên thông',
  notYetSent: 'Đã ký, chưa gửi',
  sendFailures: 'Gửi không thành công',
  returned: 'Trả lại khi trình duyệt',
  rejected: 'Bị từ chối tiếp nhận',
  lateAcceptance: 'Tiếp nhận trễ hạn',
  lateDetail: '{late} / {accepted} đã tiếp nhận (hạn {sla} giờ); {pending} đang chờ quá hạn',
  verificationFailures: 'Lỗi xác thực chữ ký số',
  issueToAcceptance: 'Phát hành → tiếp nhận',
  medianP95: 'trung vị {median} · p95 {p95}',
  approvalsOverdue: 'Trình duyệt quá hạn',
  overdueDetail: '{open} đang quá hạn · {period} lượt trong kỳ',
  certificates: 'Chứng thư số',
  expiring: 'Sắp hết hạn',
  within: 'trong {days} ngày',
  revocations: 'Thu hồi trong kỳ',
  none: 'Không có',
  trend: 'Xu hướng 12 tháng',
  share: 'Tỷ lệ điện tử hợp lệ',
  agencies: 'Các cơ quan',
  code: 'Mã',
  name: 'Cơ quan',
  total: 'Tổng VB',
  valid: 'Điện tử hợp lệ',
  hasCert: 'Chứng thư số',
  sent: 'Lượt gửi',
  yes: 'có',
  no: 'không',
  downloadCsv: 'Tải CSV',
  drillDown: 'Chi tiết cơ quan',
  close: 'Đóng',
  openItems: 'Văn bản đang tồn đọng',
  kind_unsent: 'Đã ký, chưa gửi',
  kind_issued: 'Chờ nơi nhận tiếp nhận',
  kind_await03: 'Chờ tiếp nhận (chưa có 03)',
  kind_overdue: 'Trình duyệt quá hạn',
  since: 'Từ',
  loading: 'Đang tải…',
  error: 'Không tải được dữ liệu',
  minutes: '{n} phút',
  hours: '{n} giờ',
  days: '{n} ngày',
  noData: 'chưa có dữ liệu',
};

const en: typeof vi = {
  title: 'Electronic document exchange dashboard',
  subtitle: 'Progress toward 80% signed electronic documents and 100% agencies with digital signatures',
  login: 'Sign in',
  username: 'Username',
  password: 'Password',
  loginFailed: 'Wrong username or password',
  logout: 'Sign out',
  from: 'From',
  to: 'To',
  level: 'Level',
  allLevels: 'All levels',
  apply: 'Show',
  province: 'Whole province',
  exchangeShare: 'Share of documents exchanged electronically with valid signatures',
  exchangeDetail: '{num} / {den} documents (valid electronic / all electronic and paper)',
  electronic: 'Electronic',
  paper: 'Paper',
  target: 'Target',
  coverage: 'Agencies holding a valid organisation certificate',
  coverageDetail: '{num} / {den} agencies',
  signedAndSent: 'Agencies that signed and sent documents in the period',
  missingCertificate: 'No certificate',
  notSent: 'Sent nothing electronically',
  byLevel: 'By level',
  health: 'Exchange health',
  notYetSent: 'Signed, not yet sent',
  sendFailures: 'Send failures',
  returned: 'Returned in approval',
  rejected: 'Rejected by recipients',
  lateAcceptance: 'Late acceptance',
  lateDetail: '{late} / {accepted} accepted (SLA {sla} h); {pending} waiting past the SLA',
  verificationFailures: 'Signature verification failures',
  issueToAcceptance: 'Issue → acceptance',
  medianP95: 'median {median} · p95 {p95}',
  approvalsOverdue: 'Approvals overdue',
  overdueDetail: '{open} overdue now · {period} in the period',
  certificates: 'Certificates',
  expiring: 'Expiring',
  within: 'within {days} days',
  revocations: 'Revoked in the period',
  none: 'None',
  trend: '12-month trend',
  share: 'Valid electronic share',
  agencies: 'Agencies',
  code: 'Code',
  name: 'Agency',
  total: 'Total',
  valid: 'Valid electronic',
  hasCert: 'Certificate',
  sent: 'Sent',
  yes: 'yes',
  no: 'no',
  downloadCsv: 'Download CSV',
  drillDown: 'Agency details',
  close: 'Close',
  openItems: 'Open documents',
  kind_unsent: 'Signed, not yet sent',
  kind_issued: 'Awaiting acceptance by recipients',
  kind_await03: 'Awaiting acceptance (no 03)',
  kind_overdue: 'Approval overdue',
  since: 'Since',
  loading: 'Loading…',
  error: 'Could not load the data',
  minutes: '{n} min',
  hours: '{n} h',
  days: '{n} d',
  noData: 'no data yet',
};

export type MessageKey = keyof typeof vi;
const messages: Record<Lang, typeof vi> = { vi, en };

export function t(lang: Lang, key: MessageKey, params: Record<string, string | number> = {}): string {
  return messages[lang][key].replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));
}

export function levelName(lang: Lang, level: string): string {
  return LEVEL_LABELS[lang][level] ?? level;
}

export function revocationReason(lang: Lang, reason: string): string {
  return lang === 'vi' ? (REVOCATION_REASON_LABELS[reason] ?? reason) : reason;
}

export function percent(lang: Lang, share: number | null): string {
  if (share === null) return '—';
  return new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(share);
}

export function count(lang: Lang, n: number): string {
  return new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB').format(n);
}

export function duration(lang: Lang, minutes: number | null): string {
  if (minutes === null) return '—';
  if (minutes < 60) return t(lang, 'minutes', { n: minutes });
  if (minutes < 48 * 60) return t(lang, 'hours', { n: Math.round((minutes / 60) * 10) / 10 });
  return t(lang, 'days', { n: Math.round((minutes / 1440) * 10) / 10 });
}
