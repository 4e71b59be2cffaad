/** Vietnamese and English labels shared by the CSV exports, the yearly report and the dashboard. */
export type Lang = 'vi' | 'en';

export const LEVEL_LABELS: Record<Lang, Record<string, string>> = {
  vi: {
    province: 'Cấp tỉnh',
    department: 'Sở, ban, ngành',
    district: 'UBND cấp huyện',
    commune: 'UBND cấp xã, phường',
  },
  en: {
    province: 'Province',
    department: 'Departments and boards',
    district: 'District committees',
    commune: 'Commune/ward committees',
  },
};

export function levelLabel(level: string, lang: Lang = 'vi'): string {
  return LEVEL_LABELS[lang][level] ?? level;
}

/** RFC 5280 CRLReason names in Vietnamese. */
export const REVOCATION_REASON_LABELS: Record<string, string> = {
  unspecified: 'Không nêu lý do',
  keyCompromise: 'Lộ khóa bí mật',
  cACompromise: 'Lộ khóa CA',
  affiliationChanged: 'Thay đổi cơ quan công tác',
  superseded: 'Được thay thế',
  cessationOfOperation: 'Ngừng hoạt động',
  certificateHold: 'Tạm dừng',
  removeFromCRL: 'Gỡ khỏi CRL',
  privilegeWithdrawn: 'Thu hồi quyền',
  aACompromise: 'Lộ khóa AA',
};
