import {
  Asn1Error,
  children,
  contentOf,
  encodingOf,
  ia5Content,
  isContext,
  tagNumberOf,
  type Block,
} from '../asn1/der';
import { parseName, type ParsedName } from './name';

/** GeneralName (RFC 5280 4.2.1.6), decoded for the forms the validator understands. */
export type GeneralName =
  | { kind: 'rfc822'; value: string }
  | { kind: 'dns'; value: string }
  | { kind: 'uri'; value: string }
  | { kind: 'directory'; value: ParsedName }
  | { kind: 'ip'; value: Uint8Array }
  | { kind: 'other'; tag: number; raw: Uint8Array };

export function parseGeneralName(block: Block): GeneralName {
  if ((block as unknown as { idBlock: { tagClass: number } }).idBlock.tagClass !== 3) {
    throw new Asn1Error('GeneralName: expected a context tag');
  }
  const tag = tagNumberOf(block);
  switch (tag) {
    case 1:
      return { kind: 'rfc822', value: ia5Content(block, 'rfc822Name') };
    case 2:
      return { kind: 'dns', value: ia5Content(block, 'dNSName') };
    case 6:
      return { kind: 'uri', value: ia5Content(block, 'uniformResourceIdentifier') };
    case 7:
      return { kind: 'ip', value: contentOf(block, 'iPAddress') };
    case 4: {
      const [inner, extra] = children(block, 'directoryName');
      if (!inner || extra) throw new Asn1Error('directoryName: expected one Name');
      return { kind: 'directory', value: parseName(inner) };
    }
    default:
      return { kind: 'other', tag, raw: encodingOf(block) };
  }
}

/** GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName, or its implicitly tagged form. */
export function parseGeneralNames(block: Block, what: string): GeneralName[] {
  return children(block, what).map(parseGeneralName);
}

/** True when two GeneralNames denote the same name (used for distribution point matching, RFC 5280 6.3.3 (b)). */
export function generalNamesMatch(a: GeneralName, b: GeneralName): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'directory':
      return a.value.key === (b as typeof a).value.key;
    case 'ip':
      return Buffer.compare(a.value, (b as typeof a).value) === 0;
    case 'other':
      return Buffer.compare(a.raw, (b as typeof a).raw) === 0;
    case 'dns':
    case 'rfc822':
      return a.value.toLowerCase() === (b as typeof a).value.toLowerCase();
    default:
      return a.value === (b as typeof a).value;
  }
}

export function isContextTagged(block: Block | undefined, n: number): boolean {
  return isContext(block, n);
}
