import { toCsv } from '../../../kpi/csv';

describe('CSV', () => {
  it('starts with a BOM, uses CRLF, quotes commas and quotes, and defuses formulas', () => {
    const csv = toCsv(
      [
        { name: 'Sở Tài chính', note: 'a, "b"', v: 0.5 },
        { name: '=HYPERLINK("x")', note: null, v: 2 },
      ],
      [
        { header: 'Tên', value: (r) => r.name },
        { header: 'Ghi chú', value: (r) => r.note },
        { header: 'Giá trị', value: (r) => r.v },
      ],
    );
    expect(csv).toBe(
      '\uFEFFTên,Ghi chú,Giá trị\r\nSở Tài chính,"a, ""b""",0.5000\r\n"\'=HYPERLINK(""x"")",,2\r\n',
    );
  });
});
