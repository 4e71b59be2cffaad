import { readFile } from 'node:fs/promises';
import { bundledFontPath } from '../pdf/appearance/font';
import { sealPng, signaturePng } from '../pdf/appearance/generated-images';
import { type DemoAgency, rememberSigner, signatureOf } from './demo-documents';

/** The demo's API client as this module uses it. */
interface DemoApi {
  call(
    user: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }>;
}

/**
 * Gives each sending agency a red seal with its name around the rim (uploaded by the province administrator) and
 * its signer a blue signature of their name as the API knows it (uploaded by the signer), both generated in code;
 * an agency or signer that already has one keeps it, so a second run uploads nothing. Also records each signer for
 * the documents' signature blocks. Returns the number of images uploaded.
 */
export async function seedDemoImages(api: DemoApi, agencies: DemoAgency[]): Promise<number> {
  const fonts = {
    bold: await readFile(bundledFontPath('bold')),
    italic: await readFile(bundledFontPath('italic')),
  };
  let uploaded = 0;
  const upload = async (user: string, path: string, png: () => Buffer) => {
    if ((await api.call(user, 'GET', path)).status === 200) return;
    const res = await api.call(user, 'POST', path, { pngBase64: png().toString('base64') });
    if (res.status !== 200) throw new Error(`POST ${path} as ${user}: ${res.status}`);
    uploaded++;
  };
  for (const agency of agencies) {
    await upload('admin', `/agencies/${agency.code}/seal`, () => sealPng(agency.name, fonts.bold));
    const signer = `signer.${agency.code.toLowerCase()}`;
    const me = await api.call(signer, 'GET', '/me');
    const user = me.body as { fullName?: unknown; title?: unknown } | undefined;
    if (me.status === 200 && typeof user?.fullName === 'string')
      rememberSigner(agency.code, {
        fullName: user.fullName,
        title: typeof user.title === 'string' && user.title ? user.title : undefined,
      });
    const { fullName } = signatureOf(agency);
    await upload(signer, `/users/${signer}/signature-image`, () => signaturePng(fullName, fonts.italic));
  }
  return uploaded;
}
