import { agencyNotation } from '../../exchange/envelope';
import { DocumentTypes, type DocumentType } from '../../schemas/document';
import type { Decree30Fields } from './types';

/** What a drafter fills in, plus what the system knows (agency, notation, date, recipients' names). */
export interface DraftInput {
  type: DocumentType;
  subject: string;
  body: string[];
  agency: { name: string; place?: string };
  /** Name of the managing agency printed above the issuing agency, if any. */
  parentAgency?: string;
  /** Notation the register will give ("QĐ-UBND"); the number stays blank until issue. */
  notation: string;
  /** yyyy-MM-dd. */
  date: string;
  /** Recipient agencies' names. */
  recipients: string[];
  /** "Kính gửi:" of an official letter; default the recipients. */
  addressees?: string[];
  signature: Decree30Fields['signature'];
}

const SUBJECT_PREFIX = /^(về việc|v\/v)\s+/iu;

/**
 * The Decree 30 fields of a draft: an official letter ("công văn") carries its subject as "V/v …" under the number
 * and addresses its recipients ("Kính gửi:", "Nơi nhận: - Như trên;"); other types print their name and subject
 * as a title and list the recipients under "Nơi nhận:".
 */
export function draftFields(input: DraftInput): Decree30Fields {
  const letter = input.type === 'CV';
  const subject = input.subject.normalize('NFC').trim();
  return {
    parentAgency: input.parentAgency,
    agency: input.agency.name,
    notation: input.notation,
    place: input.agency.place ?? input.agency.name,
    date: input.date,
    typeName: letter ? undefined : DocumentTypes[input.type].name,
    subject: letter ? subject.replace(SUBJECT_PREFIX, '') : subject,
    addressees: letter ? (input.addressees ?? input.recipients) : undefined,
    body: input.body.map((p) => p.normalize('NFC').trim()).filter((p) => p.length > 0),
    recipients: letter ? ['Như trên'] : input.recipients,
    signature: input.signature,
  };
}

/** The notation the register will give a document of `type` from this agency ("QĐ-UBND"; a letter: "SNV"). */
export function draftNotation(type: DocumentType, agency: { code: string; shortName?: string }): string {
  const abbreviation = DocumentTypes[type].abbreviation;
  const org = agencyNotation(agency.shortName, agency.code);
  return abbreviation ? `${abbreviation}-${org}` : org;
}

/**
 * The managing agency printed above the issuing one: a department prints its province's committee; a people's
 * committee ("Ủy ban nhân dân …") prints none (Decree 30/2020 Appendix I, item 2).
 */
export function managingAgencyLine(agencyName: string, parentName: string | undefined): string | undefined {
  return /^ủy ban nhân dân/iu.test(agencyName.normalize('NFC')) ? undefined : parentName;
}
