import { PdfReader } from '../core/document';
import { PdfString, isDict } from '../core/objects';
import { bufferSource } from '../core/source';
import type { Rect } from '../sign/options';
import { SIGNATURE_BLOCK_INFO_KEY, type SignatureBlockLayout } from './types';

const RECT_KEYS = ['block', 'title', 'image', 'name', 'seal'] as const;

function isRect(v: unknown, page: { width: number; height: number }): v is Rect {
  if (!Array.isArray(v) || v.length !== 4 || !v.every((n) => typeof n === 'number' && Number.isFinite(n)))
    return false;
  const [x, y, w, h] = v as number[];
  // Inside the page (with a little slack for a seal at the margin), positive size.
  return w! > 0 && h! > 0 && x! >= -1 && y! >= -1 && x! + w! <= page.width + 1 && y! + h! <= page.height + 1;
}

/**
 * The signature block a drafted document recorded in its information dictionary ({@link SIGNATURE_BLOCK_INFO_KEY}),
 * or undefined when the file has none or the record does not describe rectangles inside an existing page (an
 * uploaded file may carry anything: it then gets the default placement).
 */
export async function readSignatureBlock(pdf: Uint8Array): Promise<SignatureBlockLayout | undefined> {
  try {
    const reader = await PdfReader.open(bufferSource(pdf));
    const info = await reader.resolve(reader.trailer.get('Info'));
    if (!isDict(info)) return undefined;
    const raw = await reader.resolve(info.get(SIGNATURE_BLOCK_INFO_KEY));
    if (!(raw instanceof PdfString)) return undefined;
    const parsed = JSON.parse(Buffer.from(raw.bytes).toString('latin1')) as Record<string, unknown>;
    const pages = await reader.pageRefs();
    const page = parsed.page;
    if (typeof page !== 'number' || !Number.isInteger(page) || page < 1 || page > pages.length)
      return undefined;
    const size = { width: 842, height: 1191 }; // up to A3: the layout writes A4
    if (!RECT_KEYS.every((k) => isRect(parsed[k], size))) return undefined;
    const pick = (k: (typeof RECT_KEYS)[number]) => parsed[k] as Rect;
    return {
      page,
      block: pick('block'),
      title: pick('title'),
      image: pick('image'),
      name: pick('name'),
      seal: pick('seal'),
    };
  } catch {
    return undefined;
  }
}
