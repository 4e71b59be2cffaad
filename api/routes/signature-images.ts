import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkSignatureImage, SIGNATURE_IMAGE_LIMITS } from '../../pdf/appearance/signature-image';
import { ProblemSchema } from '../../schemas/api';
import { LienthongError } from '../../schemas/errors';
import type { Principal } from '../../schemas/identity';
import {
  AgencyCodeParamsSchema,
  SignatureImageInfoSchema,
  SignatureImageUploadSchema,
  UsernameParamsSchema,
} from '../../schemas/signature-image';
import { SignatureImageStore, type SignatureImageOwner } from '../../store/signature-image-store';
import { principalOf } from '../auth';
import type { AppDeps } from '../deps';
import { parseBody } from '../exchange-support';
import { problemResponses } from '../problem';

type App = Parameters<FastifyPluginAsyncZod>[0];

const isProvinceAdmin = (p: Principal) => p.roles.includes('province_admin');
const isAgencyAdminOf = (p: Principal, agency: string) =>
  p.roles.includes('agency_admin') && p.agency === agency;

/** The PNG of a JSON `{pngBase64}` or a multipart `file` part, checked (415 SVG or not PNG, 413, 422). */
async function readImage(request: FastifyRequest): Promise<{ png: Buffer; width: number; height: number }> {
  let png: Buffer | undefined;
  if (request.isMultipart()) {
    for await (const part of request.parts({
      limits: { fileSize: SIGNATURE_IMAGE_LIMITS.maxBytes + 1, files: 1 },
    }))
      if (part.type === 'file') png = await part.toBuffer();
    if (!png) throw new LienthongError('VALIDATION_FAILED', 'the form has no file part');
  } else png = Buffer.from(parseBody(SignatureImageUploadSchema, request.body).pngBase64, 'base64');
  const checked = await checkSignatureImage(png);
  if (!checked.ok) throw new LienthongError(checked.code, checked.message);
  return { png, width: checked.width, height: checked.height };
}

/** Shared by the two kinds of image: store, audit and the three handlers (upload, read, remove). */
function imageHandlers(deps: AppDeps) {
  const store = () => {
    if (!deps.db) throw new LienthongError('DEPENDENCY_DOWN', 'MongoDB is not connected');
    return new SignatureImageStore(deps.db);
  };
  const audit = (principal: Principal, owner: SignatureImageOwner, type: string, details: object) =>
    deps.audit.append({
      id: `${type}:${owner.agency}:${randomUUID()}`,
      time: deps.clock().toISOString(),
      agency: owner.agency,
      actor: principal.username,
      type,
      details: {
        kind: owner.kind,
        ...(owner.kind === 'signature' ? { username: owner.username } : {}),
        ...details,
      },
    });
  return {
    async upload(request: FastifyRequest, owner: SignatureImageOwner) {
      const { png, width, height } = await readImage(request);
      const principal = principalOf(request);
      const info = await store().put(owner, png, {
        width,
        height,
        uploadedBy: principal.username,
        uploadedAt: deps.clock().toISOString(),
      });
      await audit(principal, owner, 'signature_image.uploaded', { sha256: info.sha256, width, height });
      return info;
    },
    async read(reply: FastifyReply, owner: SignatureImageOwner) {
      const png = await store().png(owner);
      if (!png) throw new LienthongError('NOT_FOUND', `no ${owner.kind} image`);
      return reply
        .type('image/png')
        .header('content-disposition', `inline; filename="${owner.kind}.png"`)
        .send(png);
    },
    async remove(request: FastifyRequest, reply: FastifyReply, owner: SignatureImageOwner) {
      if (!(await store().remove(owner))) throw new LienthongError('NOT_FOUND', `no ${owner.kind} image`);
      await audit(principalOf(request), owner, 'signature_image.removed', {});
      return reply.code(204).send();
    },
  };
}

/** A PNG body (not serialised: the handler sends the bytes). */
const imageResponse = { 200: z.any() };

/** An agency's seal: its administrator or the province's may change it; its own staff may read it. */
function registerSealRoutes(app: App, deps: AppDeps, h: ReturnType<typeof imageHandlers>): void {
  const mayChange = (request: FastifyRequest, code: string) => {
    const p = principalOf(request);
    if (!isProvinceAdmin(p) && !isAgencyAdminOf(p, code))
      throw new LienthongError(
        'FORBIDDEN',
        "only the agency's administrator or the province's may change its seal",
      );
  };
  const tags = ['signature images'];
  const schema = { tags, params: AgencyCodeParamsSchema };
  const owner = async (code: string): Promise<SignatureImageOwner> => {
    if (!(await deps.identity.getAgency(code))) throw new LienthongError('NOT_FOUND', `no agency ${code}`);
    return { kind: 'seal', agency: code };
  };
  app.post(
    '/agencies/:code/seal',
    {
      preValidation: async (request) => mayChange(request, (request.params as { code: string }).code),
      schema: {
        ...schema,
        summary:
          "Upload the agency's seal: a red round PNG with transparency (JSON {pngBase64} or multipart file)",
        body: SignatureImageUploadSchema.optional(),
        response: {
          200: SignatureImageInfoSchema,
          ...problemResponses,
          413: ProblemSchema,
          415: ProblemSchema,
        },
      },
    },
    async (request) => h.upload(request, await owner(request.params.code)),
  );
  app.get(
    '/agencies/:code/seal',
    {
      schema: {
        ...schema,
        summary: "The agency's seal image (PNG)",
        response: { ...imageResponse, ...problemResponses },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      if (!isProvinceAdmin(p) && p.agency !== request.params.code)
        throw new LienthongError(
          'FORBIDDEN',
          "only the agency's staff and the province's administrator see its seal",
        );
      return h.read(reply, await owner(request.params.code));
    },
  );
  app.delete(
    '/agencies/:code/seal',
    {
      preValidation: async (request) => mayChange(request, (request.params as { code: string }).code),
      schema: {
        ...schema,
        summary: "Remove the agency's seal image",
        response: { 204: z.null(), ...problemResponses },
      },
    },
    async (request, reply) => h.remove(request, reply, await owner(request.params.code)),
  );
}

/** A person's signature image: the person, their agency's administrator or the province's may change it. */
function registerSignatureRoutes(app: App, deps: AppDeps, h: ReturnType<typeof imageHandlers>): void {
  /** The owner, after checking that the caller may act on `username`'s image (403 before revealing existence). */
  const owner = async (
    request: FastifyRequest,
    username: string,
    change: boolean,
  ): Promise<SignatureImageOwner> => {
    const p = principalOf(request);
    const self = p.username === username;
    if (change && !self && !p.roles.includes('agency_admin') && !isProvinceAdmin(p))
      throw new LienthongError(
        'FORBIDDEN',
        'only the person or an administrator may change a signature image',
      );
    const user = await deps.identity.getUser(username);
    if (!user) throw new LienthongError('NOT_FOUND', `no user ${username}`);
    const allowed =
      self || isProvinceAdmin(p) || (change ? isAgencyAdminOf(p, user.agency) : p.agency === user.agency);
    if (!allowed) throw new LienthongError('FORBIDDEN', "another agency's signature image");
    return { kind: 'signature', agency: user.agency, username };
  };
  const tags = ['signature images'];
  const schema = { tags, params: UsernameParamsSchema };
  app.post(
    '/users/:username/signature-image',
    {
      schema: {
        ...schema,
        summary:
          "Upload a leader's signature image: blue ink on a transparent PNG (JSON {pngBase64} or multipart file)",
        body: SignatureImageUploadSchema.optional(),
        response: {
          200: SignatureImageInfoSchema,
          ...problemResponses,
          413: ProblemSchema,
          415: ProblemSchema,
        },
      },
    },
    async (request) => {
      const o = await owner(request, request.params.username, true);
      return h.upload(request, o);
    },
  );
  app.get(
    '/users/:username/signature-image',
    {
      schema: {
        ...schema,
        summary: "A person's signature image (PNG)",
        response: { ...imageResponse, ...problemResponses },
      },
    },
    async (request, reply) => h.read(reply, await owner(request, request.params.username, false)),
  );
  app.delete(
    '/users/:username/signature-image',
    {
      schema: {
        ...schema,
        summary: "Remove a person's signature image",
        response: { 204: z.null(), ...problemResponses },
      },
    },
    async (request, reply) => h.remove(request, reply, await owner(request, request.params.username, true)),
  );
}

/**
 * Seal and signature images ("con dấu", "chữ ký") that exchanged documents show: the leader's signature between
 * the title and the name of the signature block, the seal over its left third (Decree 30/2020 Appendix I).
 */
export function signatureImageRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(multipart, { limits: { fileSize: SIGNATURE_IMAGE_LIMITS.maxBytes + 1, files: 1 } });
    const handlers = imageHandlers(deps);
    registerSealRoutes(app, deps, handlers);
    registerSignatureRoutes(app, deps, handlers);
  };
}
