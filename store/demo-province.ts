import type { Agency, Role } from '../schemas/identity';

/**
 * The demo province, following the two-level local government in force since 1 July 2025: the province
 * people's committee, its departments and boards ("Sở", "Ban"), and commune/ward people's committees.
 * Names are real-looking Vietnamese with diacritics; codes follow the national agency-code shape.
 */
export const DEMO_PROVINCE_CODE = '000.00.00.H29';

const departments: [string, string, string][] = [
  ['000.00.31.H29', 'Văn phòng Ủy ban nhân dân tỉnh', 'VP UBND'],
  ['000.00.32.H29', 'Sở Nội vụ', 'SNV'],
  ['000.00.33.H29', 'Sở Tài chính', 'STC'],
  ['000.00.34.H29', 'Sở Tư pháp', 'STP'],
  ['000.00.35.H29', 'Sở Khoa học và Công nghệ', 'SKHCN'],
  ['000.00.36.H29', 'Sở Nông nghiệp và Môi trường', 'SNNMT'],
  ['000.00.37.H29', 'Sở Xây dựng', 'SXD'],
  ['000.00.38.H29', 'Sở Y tế', 'SYT'],
  ['000.00.39.H29', 'Sở Giáo dục và Đào tạo', 'SGDĐT'],
  ['000.00.40.H29', 'Sở Công Thương', 'SCT'],
  ['000.00.41.H29', 'Sở Văn hóa, Thể thao và Du lịch', 'SVHTTDL'],
  ['000.00.42.H29', 'Ban Quản lý các khu công nghiệp', 'BQLKCN'],
];

const communes: [string, string, string, string][] = [
  ['000.01.01.H29', 'Ủy ban nhân dân xã Tân Phú', 'UBND xã Tân Phú', 'Tân Phú'],
  ['000.01.02.H29', 'Ủy ban nhân dân xã Phú Lộc', 'UBND xã Phú Lộc', 'Phú Lộc'],
  ['000.01.03.H29', 'Ủy ban nhân dân xã Đồng Tâm', 'UBND xã Đồng Tâm', 'Đồng Tâm'],
  ['000.01.04.H29', 'Ủy ban nhân dân xã Hòa Bình', 'UBND xã Hòa Bình', 'Hòa Bình'],
  ['000.01.05.H29', 'Ủy ban nhân dân xã Quảng Điền', 'UBND xã Quảng Điền', 'Quảng Điền'],
  ['000.01.06.H29', 'Ủy ban nhân dân xã Nghĩa Hưng', 'UBND xã Nghĩa Hưng', 'Nghĩa Hưng'],
  ['000.01.07.H29', 'Ủy ban nhân dân phường Bến Thủy', 'UBND phường Bến Thủy', 'Bến Thủy'],
  ['000.01.08.H29', 'Ủy ban nhân dân phường Trường Thi', 'UBND phường Trường Thi', 'Trường Thi'],
  ['000.01.09.H29', 'Ủy ban nhân dân phường Hưng Dũng', 'UBND phường Hưng Dũng', 'Hưng Dũng'],
  ['000.01.10.H29', 'Ủy ban nhân dân phường Quán Bàu', 'UBND phường Quán Bàu', 'Quán Bàu'],
  ['000.01.11.H29', 'Ủy ban nhân dân xã Yên Thành', 'UBND xã Yên Thành', 'Yên Thành'],
  ['000.01.12.H29', 'Ủy ban nhân dân xã Diễn Châu', 'UBND xã Diễn Châu', 'Diễn Châu'],
];

export const DEMO_AGENCIES: Agency[] = [
  {
    code: DEMO_PROVINCE_CODE,
    name: 'Ủy ban nhân dân tỉnh Hòa An',
    shortName: 'UBND tỉnh',
    level: 'province',
    parent: null,
    place: 'Hòa An',
    active: true,
  },
  ...departments.map(([code, name, shortName]) => ({
    code,
    name,
    shortName,
    level: 'department',
    parent: DEMO_PROVINCE_CODE,
    place: 'Hòa An',
    active: true,
  })),
  ...communes.map(([code, name, shortName, place]) => ({
    code,
    name,
    shortName,
    level: 'commune',
    parent: DEMO_PROVINCE_CODE,
    place,
    active: true,
  })),
];

/** Roles every demo agency gets one user for, named `<role>.<agency code in lowercase>`. */
export const DEMO_AGENCY_ROLES: Role[] = ['drafter', 'approver', 'signer', 'clerk', 'agency_admin'];

export const DEMO_PASSWORD = 'demo';

const people = [
  'Nguyễn Văn An',
  'Trần Thị Bình',
  'Lê Hoàng Cường',
  'Phạm Thị Dung',
  'Hoàng Minh Đức',
  'Vũ Thị Hà',
  'Đặng Quốc Huy',
  'Bùi Thị Lan',
  'Đỗ Văn Long',
  'Ngô Thị Mai',
  'Dương Văn Nam',
  'Lý Thị Oanh',
];

const titles: Record<Role, string> = {
  drafter: 'Chuyên viên',
  approver: 'Trưởng phòng',
  signer: 'Giám đốc',
  clerk: 'Văn thư',
  agency_admin: 'Quản trị hệ thống',
  province_admin: 'Quản trị hệ thống tỉnh',
  leadership: 'Phó Chủ tịch',
};

/** A deterministic Vietnamese full name for the demo user at (agency index, role index). */
export function demoPersonName(agencyIndex: number, roleIndex: number): string {
  return people[(agencyIndex * 5 + roleIndex * 7) % people.length];
}

export function demoTitle(role: Role, level: string): string {
  if (role === 'signer') return level === 'department' ? 'Giám đốc' : 'Chủ tịch';
  return titles[role];
}

export function demoUsername(role: Role, agencyCode: string): string {
  return `${role}.${agencyCode.toLowerCase()}`;
}
