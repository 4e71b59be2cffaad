import { vietnamDate } from '../exchange/envelope';
import { isPdfError } from '../pdf';
import {
  draftFields,
  draftNotation,
  layoutDecree30,
  loadDocumentFonts,
  managingAgencyLine,
} from '../pdf/decree30';
import type { CreateDocumentFromFormRequest } from '../schemas/document';
import { LienthongError } from '../schemas/errors';
import type { Principal } from '../schemas/identity';
import type { AppDeps } from './deps';

/**
 * Lays out the Decree 30 PDF of a draft filled in as a form: the agency, its managing agency, notation and place
 * come from the directory, the date is today's in Vietnam, the number stays blank until the clerk issues it.
 * Unknown recipients are named by code here; `startDocument` refuses them afterwards with its own error.
 */
export async function draftFromForm(
  deps: AppDeps,
  principal: Principal,
  body: CreateDocumentFromFormRequest,
): Promise<Buffer> {
  const agency = await deps.identity.getAgency(principal.agency);
  if (!agency) throw new LienthongError('UNKNOWN_AGENCY', `agency ${principal.agency} is not registered`);
  const parent = agency.parent ? await deps.identity.getAgency(agency.parent) : null;
  const recipients = await Promise.all(
    [...new Set(body.recipients)].map(async (code) => (await deps.identity.getAgency(code))?.name ?? code),
  );
  const fields = draftFields({
    type: body.type,
    subject: body.subject,
    body: body.form.body,
    agency: { name: agency.name, place: agency.place },
    parentAgency: managingAgencyLine(agency.name, parent?.name),
    notation: draftNotation(body.type, agency),
    date: vietnamDate(deps.clock().getTime()),
    recipients,
    addressees: body.form.addressees,
    signature: body.form.signature,
  });
  try {
    const fonts = await loadDocumentFonts(JSON.stringify(fields));
    return Buffer.from((await layoutDecree30(fields, fonts)).pdf);
  } catch (err) {
    // A character no installed font can draw is the request's problem (422), not the server's.
    if (isPdfError(err) && err.code === 'FONT_UNAVAILABLE')
      throw new LienthongError(
        'DOMAIN_VALIDATION',
        `the form has text the document font cannot draw: ${err.message}`,
      );
    throw err;
  }
}
