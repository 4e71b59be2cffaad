export { layoutDecree30 } from './layout';
export { readSignatureBlock } from './block';
export { loadDocumentFonts } from './fonts';
export {
  SIGNATURE_BLOCK_INFO_KEY,
  type Decree30Fields,
  type DocumentFonts,
  type SignatureBlockLayout,
} from './types';
export { draftFields, draftNotation, managingAgencyLine, type DraftInput } from './draft';
