import {
  type Box,
  type ExtentResources,
  boxesOverlap,
  contentExtent,
} from '../../../pdf/verify/changes/content-extent';

/** Helvetica-like metrics (/FontBBox [-166 -225 1000 931], widest glyph 1 em). */
const helvetica = { maxAdvance: 1, xMin: -0.166, xMax: 1, yMin: -0.225, yMax: 0.931 };

const res: ExtentResources = {
  font: (name) => (name === 'F1' ? helvetica : undefined),
  xobject: (name) =>
    name === 'Im1'
      ? { bbox: [0, 0, 1, 1], matrix: [1, 0, 0, 1, 0, 0] }
      : name === 'X1'
        ? { bbox: [0, 0, 300, 40], matrix: [1, 0, 0, 1, 0, 0] }
        : undefined,
};

const extent = (content: string) => contentExtent(Buffer.from(content, 'latin1'), res);
const covers = (boxes: Box[] | undefined, b: Box) => !!boxes?.some((x) => boxesOverlap(x, b));

describe('content extent: where signed page content may draw', () => {
  it("bounds text by the font's widest advance per byte and its glyph box, through Tm, TD and T*", () => {
    const boxes = extent('BT /F1 12 Tf 1 0 0 1 72 700 Tm (Ky hieu) Tj 0 -20 TD (Tan Phu) Tj T* (x) Tj ET');
    expect(covers(boxes, [100, 700, 101, 705])).toBe(true); // inside the first line
    expect(covers(boxes, [80, 681, 81, 683])).toBe(true); // second line (TD)
    expect(covers(boxes, [72, 661, 73, 663])).toBe(true); // third line (T* with the leading TD set)
    expect(covers(boxes, [10, 690, 68, 720])).toBe(false); // left of the glyph box (72 - 0.166 * 12 - line width)
    expect(covers(boxes, [72, 713, 200, 740])).toBe(false); // above the ascent (700 + 0.931 * 12 + line width)
    expect(covers(boxes, [170, 700, 180, 710])).toBe(false); // beyond "Ky hieu": 7 bytes of at most 1 em, + 1 em
  });

  it('keeps glyphs after a TJ offset and a scaled CTM inside the box', () => {
    const boxes = extent('q 2 0 0 2 0 0 cm BT /F1 10 Tf 10 300 Td [(A) -5000 (B)] TJ ET Q');
    // (B) starts 5 em right of A, at x = (10 + 10 + 50) * 2 = 140 or more in page space.
    expect(covers(boxes, [150, 605, 152, 610])).toBe(true);
  });

  it('keeps every origin when word spacing moves back between glyphs', () => {
    // Tw -30 on the space takes "b" 30 units left of "a": its box must reach there.
    const boxes = extent('BT /F1 10 Tf -30 Tw 100 100 Td (a b) Tj ET');
    expect(covers(boxes, [80, 102, 82, 104])).toBe(true);
  });

  it('bounds paths by their points and images or forms by their boxes under the CTM', () => {
    const boxes = extent(
      '0 0 1 rg 100 100 50 20 re f q 40 0 0 30 400 400 cm /Im1 Do Q q 1 0 0 1 72 600 cm /X1 Do Q',
    );
    expect(covers(boxes, [120, 110, 121, 111])).toBe(true);
    expect(covers(boxes, [420, 420, 421, 421])).toBe(true);
    expect(covers(boxes, [300, 630, 301, 631])).toBe(true);
    expect(covers(boxes, [200, 200, 300, 300])).toBe(false);
  });

  it('answers "anywhere" for what it cannot bound: shadings, unknown fonts or XObjects, bad syntax', () => {
    expect(extent('/Sh1 sh')).toBeUndefined();
    expect(extent('BT /T3 12 Tf (a) Tj ET')).toBeUndefined();
    expect(extent('/Missing Do')).toBeUndefined();
    expect(extent('BT /F1 12 Tf ) Tj ET')).toBeUndefined();
  });

  it('skips inline image data and bounds the image by the unit square', () => {
    const boxes = extent('q 50 0 0 50 10 10 cm BI /W 1 /H 1 /BPC 8 /CS /G ID \x00\xff) EI Q');
    expect(covers(boxes, [30, 30, 31, 31])).toBe(true);
    expect(covers(boxes, [100, 100, 101, 101])).toBe(false);
  });
});
