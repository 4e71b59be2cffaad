import { randomBytes } from 'node:crypto';
import { PDFDocument, PDFName } from 'pdf-lib';

/** A one-page PDF of about `bytes` bytes: an incompressible stream referenced from the catalog (scanned pages). */
export async function makeBigPdf(bytes: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595.28, 841.89]);
  page.drawText('Benchmark document', { x: 72, y: 760, size: 14 });
  const ref = doc.context.register(doc.context.stream(randomBytes(bytes), { Filter: 'FlateDecode' }));
  doc.catalog.set(PDFName.of('BenchPayload'), ref);
  return doc.save({ useObjectStreams: false });
}
