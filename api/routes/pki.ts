import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { exportPkcs12, importPkcs12, subjectAttributes, validatePath, type KeyUsageName } from '../../pki';
import { LienthongError } from '../../schemas/errors';
import type { Principal } from '../../schemas/identity';
import {
  CertificateRequestSchema,
  CertificateViewSchema,
  CreateCertificateRequestSchema,
  ImportPkcs12BodySchema,
  IssueCertificateBodySchema,
  IssuedCertificateResponseSchema,
  PersonnelChangeBodySchema,
  PersonnelChangeRunningSchema,
  PersonnelChangeSchema,
  RevokeBodySchema,
  type CertificateView,
} from '../../schemas/pki';
import { CertificateRequestStore } from '../../store/certificate-requests';
import type { CertificateRecord } from '../../store/pki-store';
import { refuseAccountAction } from '../account-rules';
import { requireRole } from '../auth';
import { personnelChangeStatus, runPersonnelChange } from '../personnel-change';
import { problemResponses } from '../problem';
import type { AppDeps } from '../deps';

const problems = problemResponses;

function view(c: CertificateRecord): CertificateView {
  return {
    serialHex: c.serialHex,
    agency: c.agency,
    profile: c.profile,
    username: c.username,
    subject: c.subject,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    status: c.status,
    revokedAt: c.revokedAt?.toISOString(),
    revocationReason: c.revocationReason,
    keyHolder: c.keyHolder,
    standby: c.standby,
  };
}

const pem = (der: Uint8Array, label = 'CERTIFICATE') =>
  `-----BEGIN ${label}-----\n${(
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\n')}\n-----END ${label}-----\n`;

/** The agency an admin acts for: province admins name any agency, agency admins only their own. */
function targetAgency(principal: Principal, requested: string | undefined): string {
  const agency = requested ?? principal.agency;
  if (agency !== principal.agency && !principal.roles.includes('province_admin')) {
    throw new LienthongError('FORBIDDEN', 'an agency administrator acts only for its own agency');
  }
  return agency;
}

/** Whether the caller may see an agency's certificates (a foreign one is reported as not found). */
function canSee(principal: Principal, agency: string): boolean {
  return (
    principal.roles.includes('province_admin') ||
    principal.roles.includes('leadership') ||
    principal.agency === agency
  );
}

type App = Parameters<FastifyPluginAsyncZod>[0];

const Serial = z.object({ serial: z.string().regex(/^[0-9a-fA-F]{1,64}$/) });

/** What the certificate routes share: the request store, the audit helper and visibility-checked lookups. */
function pkiRouteContext(deps: AppDeps) {
  const requests = new CertificateRequestStore(deps.db!);
  const audit = (
    principal: Principal,
    agency: string,
    type: string,
    id: string,
    details: Record<string, unknown>,
  ) =>
    deps.audit.append({
      id: `${type}:${id}`,
      time: deps.clock().toISOString(),
      agency,
      actor: principal.username,
      type,
      details,
    });
  const findVisible = async (principal: Principal, serial: string) => {
    const cert = await deps.pki.getCertificate(serial);
    if (!cert || !canSee(principal, cert.agency))
      throw new LienthongError('NOT_FOUND', 'no such certificate');
    return cert;
  };
  return { deps, requests, audit, findVisible };
}

type PkiRouteContext = ReturnType<typeof pkiRouteContext>;

/** Registering certificate needs and listing them. */
function registerRequestRoutes(app: App, ctx: PkiRouteContext): void {
  const { deps, requests, audit } = ctx;
  app.post(
    '/pki/requests',
    {
      schema: {
        tags: ['pki'],
        summary: 'Register a certificate need',
        body: CreateCertificateRequestSchema,
        response: { 201: CertificateRequestSchema, ...problems },
      },
    },
    async (request, reply) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const agency = targetAgency(principal, request.body.agency);
      if (!(await deps.identity.getAgency(agency)))
        throw new LienthongError('UNKNOWN_AGENCY', `unknown agency ${agency}`);
      if (request.body.username) {
        const holder = await deps.identity.getUser(request.body.username);
        if (!holder || holder.agency !== agency) {
          throw new LienthongError(
            'DOMAIN_VALIDATION',
            `${request.body.username} is not a user of ${agency}`,
          );
        }
      }
      const created = await requests.create({
        agency,
        profile: request.body.profile,
        username: request.body.profile === 'personal' ? request.body.username : undefined,
        reason: request.body.reason,
        requestedBy: principal.username,
        requestedAt: deps.clock().toISOString(),
      });
      await audit(principal, agency, 'pki.request_created', created.id, {
        profile: created.profile,
        username: created.username,
        reason: created.reason,
      });
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/pki/requests',
    {
      schema: {
        tags: ['pki'],
        querystring: z.object({ state: CertificateRequestSchema.shape.state.optional() }),
        response: { 200: z.object({ items: z.array(CertificateRequestSchema) }), ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const agency = principal.roles.includes('province_admin') ? undefined : principal.agency;
      return { items: await requests.list({ agency, state: request.query.state }) };
    },
  );
}

/** Approve and reject differ only in the target state and the audit event. */
function registerDecision(app: App, ctx: PkiRouteContext, action: 'approve' | 'reject'): void {
  const { deps, requests, audit } = ctx;
  app.post(
    `/pki/requests/:id/${action}`,
    {
      schema: {
        tags: ['pki'],
        summary: `${action === 'approve' ? 'Approve' : 'Reject'} a certificate request (province administrator)`,
        params: z.object({ id: z.string().uuid() }),
        body: z.object({ note: z.string().max(500).optional() }).default({}),
        response: { 200: CertificateRequestSchema, ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'province_admin');
      const decided = await requests.transition(
        request.params.id,
        'PENDING',
        action === 'approve' ? 'APPROVED' : 'REJECTED',
        {
          decidedBy: principal.username,
          decidedAt: deps.clock().toISOString(),
          decisionNote: request.body?.note,
        },
      );
      await audit(
        principal,
        decided.agency,
        `pki.request_${action === 'approve' ? 'approved' : 'rejected'}`,
        decided.id,
        { note: request.body?.note },
      );
      return decided;
    },
  );
}

/** The province administrator's decisions on a request: approve, reject, issue. */
function registerDecisionRoutes(app: App, ctx: PkiRouteContext): void {
  const { deps, requests, audit } = ctx;
  registerDecision(app, ctx, 'approve');
  registerDecision(app, ctx, 'reject');

  app.post(
    '/pki/requests/:id/issue',
    {
      schema: {
        tags: ['pki'],
        summary: 'The CA issues the certificate of an approved request',
        params: z.object({ id: z.string().uuid() }),
        body: IssueCertificateBodySchema,
        response: { 201: IssuedCertificateResponseSchema, ...problems },
      },
    },
    async (request, reply) => {
      const principal = requireRole(request, 'province_admin');
      const req = await requests.get(request.params.id);
      if (!req) throw new LienthongError('NOT_FOUND', 'no such certificate request');
      if (req.state !== 'APPROVED')
        throw new LienthongError('WRONG_STATE', `the request is ${req.state}, not APPROVED`);
      const agency = await deps.identity.getAgency(req.agency);
      if (!agency) throw new LienthongError('UNKNOWN_AGENCY', `unknown agency ${req.agency}`);
      const holder = req.username ? await deps.identity.getUser(req.username) : null;
      if (req.profile === 'personal' && !holder)
        throw new LienthongError('DOMAIN_VALIDATION', `unknown user ${req.username}`);
      const now = deps.clock();
      const delivery = request.body.keyDelivery;
      const issued = await deps.pki.issue(
        {
          agency: agency.code,
          profile: req.profile,
          username: holder?.username,
          commonName: holder ? holder.fullName : agency.name,
          organisation: agency.name,
          title: holder?.title,
          locality: agency.place,
        },
        now,
        delivery === 'pkcs12' ? 'subscriber' : 'server',
      );
      const done = await requests.transition(req.id, 'APPROVED', 'ISSUED', {
        serialHex: issued.record.serialHex,
      });
      await audit(principal, agency.code, 'pki.certificate_issued', issued.record.serialHex, {
        requestId: req.id,
        profile: req.profile,
        username: holder?.username,
        subject: issued.record.subject,
        keyDelivery: delivery,
      });
      const pkcs12 =
        delivery === 'pkcs12'
          ? await exportPkcs12(issued.privateKey, issued.chain, request.body.pkcs12Passphrase!)
          : undefined;
      return reply.code(201).send({
        request: done,
        certificate: view(issued.record),
        pkcs12Base64: pkcs12 ? Buffer.from(pkcs12).toString('base64') : undefined,
      });
    },
  );
}

/** Reading certificates: the list and one certificate. */
function registerCertificateRoutes(app: App, ctx: PkiRouteContext): void {
  const { deps, findVisible } = ctx;
  app.get(
    '/pki/certificates',
    {
      schema: {
        tags: ['pki'],
        querystring: z.object({
          agency: z.string().optional(),
          status: z.enum(['active', 'revoked']).optional(),
        }),
        response: { 200: z.object({ items: z.array(CertificateViewSchema) }), ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin', 'leadership');
      const all = principal.roles.includes('province_admin') || principal.roles.includes('leadership');
      const agency = all ? request.query.agency : principal.agency;
      return {
        items: (await deps.pki.listCertificates({ agency, status: request.query.status })).map(view),
      };
    },
  );

  app.get(
    '/pki/certificates/:serial',
    { schema: { tags: ['pki'], params: Serial, response: { 200: CertificateViewSchema, ...problems } } },
    async (request) =>
      view(
        await findVisible(
          requireRole(request, 'agency_admin', 'province_admin', 'leadership'),
          request.params.serial,
        ),
      ),
  );
}

/** A certificate (or its chain) out as a PEM or DER file. */
function registerCertificateDownloadRoute(app: App, ctx: PkiRouteContext): void {
  const { deps, findVisible } = ctx;
  app.get(
    '/pki/certificates/:serial/download',
    {
      schema: {
        tags: ['pki'],
        summary: 'Download the certificate or its chain (PEM or DER)',
        params: Serial,
        querystring: z.object({
          format: z.enum(['pem', 'der']).default('pem'),
          chain: z.enum(['true', 'false']).default('false'),
        }),
      },
    },
    async (request, reply) => {
      const principal = requireRole(
        request,
        'agency_admin',
        'province_admin',
        'leadership',
        'signer',
        'clerk',
      );
      const cert = await findVisible(principal, request.params.serial);
      const ders = [cert.certificate];
      if (request.query.chain === 'true')
        ders.push(await deps.pki.caCertificate('issuing'), await deps.pki.caCertificate('root'));
      if (request.query.format === 'der') {
        if (ders.length > 1) throw new LienthongError('BAD_REQUEST', 'a chain is only available as PEM');
        return reply
          .type('application/pkix-cert')
          .header('content-disposition', `attachment; filename="${cert.serialHex}.cer"`)
          .send(Buffer.from(ders[0]));
      }
      return reply.type('application/x-pem-file').send(ders.map((d) => pem(d)).join(''));
    },
  );
}

/** Revoking a certificate: the province administrator any, an agency administrator its own agency's. */
function registerRevocationRoute(app: App, ctx: PkiRouteContext): void {
  const { deps, audit, findVisible } = ctx;
  app.post(
    '/pki/certificates/:serial/revoke',
    {
      schema: {
        tags: ['pki'],
        params: Serial,
        body: RevokeBodySchema,
        response: { 200: CertificateViewSchema, ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const cert = await findVisible(principal, request.params.serial);
      if (!principal.roles.includes('province_admin') && cert.agency !== principal.agency) {
        throw new LienthongError('NOT_FOUND', 'no such certificate');
      }
      const revoked = await deps.pki.revoke(cert.serialHex, request.body.reason, deps.clock());
      await audit(principal, cert.agency, 'pki.certificate_revoked', cert.serialHex, {
        reason: revoked.revocationReason,
        subject: cert.subject,
      });
      return view(revoked);
    },
  );
}

/** A certificate and key in from a PKCS#12 file, checked against the trust anchors. */
function registerCertificateImportRoute(app: App, ctx: PkiRouteContext): void {
  const { deps, audit } = ctx;
  app.post(
    '/pki/certificates/import',
    {
      schema: {
        tags: ['pki'],
        summary: 'Keep an existing PKCS#12 (certificate, chain, key) in the server key store',
        body: ImportPkcs12BodySchema,
        response: { 201: CertificateViewSchema, ...problems },
      },
    },
    async (request, reply) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const agency = targetAgency(principal, request.body.agency);
      const imported = await importPkcs12(
        Buffer.from(request.body.pkcs12Base64, 'base64'),
        request.body.passphrase,
      ).catch((err: unknown) => {
        throw new LienthongError(
          'DOMAIN_VALIDATION',
          `the PKCS#12 could not be read: ${(err as Error).message}`,
        );
      });
      const now = deps.clock();
      await checkImportedCertificate(deps, {
        agency,
        profile: request.body.profile,
        username: request.body.username,
        chain: imported.certificates,
        now,
      });
      const ref =
        request.body.profile === 'personal'
          ? { agency, profile: 'personal' as const, username: request.body.username! }
          : { agency, profile: 'organisation' as const };
      const select = request.body.select;
      const record = await deps.pki.importServerHeld(ref, imported.privateKey, imported.certificates, now, {
        select,
      });
      await audit(principal, agency, 'pki.certificate_imported', record.serialHex, {
        subject: record.subject,
        profile: record.profile,
        username: record.username,
        selected: select,
      });
      return reply.code(201).send(view(record));
    },
  );
}

/** Making an imported key on standby the holder's signing key or the agency's sealing key. */
function registerKeySelectionRoute(app: App, ctx: PkiRouteContext): void {
  const { deps, audit, findVisible } = ctx;
  app.post(
    '/pki/certificates/:serial/select',
    {
      schema: {
        tags: ['pki'],
        summary:
          'Make an imported key on standby the holder’s signing key, or the agency’s sealing key (audited choice)',
        params: Serial,
        body: z
          .object({ note: z.string().max(500).optional() })
          .strict()
          .default({}),
        response: { 200: CertificateViewSchema, ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const cert = await findVisible(principal, request.params.serial);
      if (!principal.roles.includes('province_admin') && cert.agency !== principal.agency)
        throw new LienthongError('NOT_FOUND', 'no such certificate');
      const now = deps.clock();
      // Checked again: the holder may have left, or the certificate been revoked, since the import.
      await checkImportedCertificate(deps, {
        agency: cert.agency,
        profile: cert.profile,
        username: cert.username,
        chain: [cert.certificate],
        now,
      });
      const selected = await deps.pki.selectImported(cert.serialHex);
      await audit(principal, cert.agency, 'pki.key_selected', `${cert.serialHex}:${now.toISOString()}`, {
        serialHex: cert.serialHex,
        profile: cert.profile,
        username: cert.username,
        note: request.body?.note,
      });
      return view(selected);
    },
  );
}

/** Personnel changes (a leader leaves, a new one takes office) and their progress. */
function registerPersonnelChangeRoutes(app: App, ctx: PkiRouteContext): void {
  const { deps } = ctx;
  app.post(
    '/pki/personnel-changes',
    {
      schema: {
        tags: ['pki'],
        summary:
          "Record a leadership change: revoke the leaver's personal certificates and re-route their pending work " +
          '(201 when done within the wait, 202 while its workflow still runs)',
        body: PersonnelChangeBodySchema,
        response: { 201: PersonnelChangeSchema, 202: PersonnelChangeRunningSchema, ...problems },
      },
    },
    async (request, reply) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const agency = targetAgency(principal, request.body.agency);
      const leaver = await deps.identity.getUser(request.body.leaver);
      // Rights first, so an agency administrator learns nothing about accounts it may not touch.
      const refusal = leaver ? refuseAccountAction(principal, leaver) : undefined;
      if (refusal) throw new LienthongError('FORBIDDEN', refusal);
      if (!leaver || leaver.agency !== agency)
        throw new LienthongError('NOT_FOUND', `${request.body.leaver} is not a user of ${agency}`);
      if (request.body.successor) {
        const successor = await deps.identity.getUser(request.body.successor);
        if (!successor || successor.agency !== agency || !successor.active) {
          throw new LienthongError(
            'DOMAIN_VALIDATION',
            `${request.body.successor} is not an active user of ${agency}`,
          );
        }
      }
      const now = deps.clock();
      const outcome = await runPersonnelChange(deps, {
        id: randomUUID(),
        agency,
        leaver: leaver.username,
        successor: request.body.successor,
        effectiveAt: request.body.effectiveAt ?? now.toISOString(),
        note: request.body.note,
        recordedBy: principal.username,
        at: now.toISOString(),
      });
      return outcome.done ? reply.code(201).send(outcome.change) : reply.code(202).send(outcome.running);
    },
  );

  app.get(
    '/pki/personnel-changes/:id',
    {
      schema: {
        tags: ['pki'],
        summary: 'A personnel change: its record once carried out (200), or still running (202)',
        params: z.object({ id: z.string().uuid() }),
        response: { 200: PersonnelChangeSchema, 202: PersonnelChangeRunningSchema, ...problems },
      },
    },
    async (request, reply) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const outcome = await personnelChangeStatus(
        deps,
        request.params.id,
        (agency) => principal.roles.includes('province_admin') || agency === principal.agency,
      );
      return outcome.done ? reply.code(200).send(outcome.change) : reply.code(202).send(outcome.running);
    },
  );
}

/**
 * Certificate lifecycle (issue, revoke, personnel changes) under /api/v1/pki. The subscriber-management unit is
 * the province administrator: it approves requests, issues and revokes; agency administrators register needs and
 * report personnel changes for their own agency.
 */
export function pkiRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const ctx = pkiRouteContext(deps);
    registerRequestRoutes(app, ctx);
    registerDecisionRoutes(app, ctx);
    registerCertificateRoutes(app, ctx);
    registerCertificateDownloadRoute(app, ctx);
    registerRevocationRoute(app, ctx);
    registerCertificateImportRoute(app, ctx);
    registerKeySelectionRoute(app, ctx);
    registerPersonnelChangeRoutes(app, ctx);
  };
}

/** Unauthenticated CRL and CA certificate publication, as CRL distribution points and AIA URLs require. */
export function pkiPublicationRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const Ca = z.object({ file: z.string().regex(/^(root|issuing)\.(crl|cer)$/) });
    const publish = (prefix: 'crl' | 'ca', extension: 'crl' | 'cer') =>
      app.get(
        `/pki/${prefix}/:file`,
        {
          schema: {
            tags: ['pki'],
            summary: `Published ${prefix === 'crl' ? 'CRL' : 'CA certificate'} (DER)`,
            params: Ca,
            security: [],
          },
        },
        async (request, reply) => {
          const [name, ext] = request.params.file.split('.') as ['root' | 'issuing', string];
          if (ext !== extension) throw new LienthongError('NOT_FOUND', 'no such file');
          const der =
            prefix === 'crl'
              ? await deps.pki.currentCrl(name, deps.clock())
              : await deps.pki.caCertificate(name);
          return reply
            .type(prefix === 'crl' ? 'application/pkix-crl' : 'application/pkix-cert')
            .header('cache-control', 'public, max-age=300')
            .send(Buffer.from(der));
        },
      );
    publish('crl', 'crl');
    publish('ca', 'cer');
  };
}

/** Key usages each end-entity profile must assert (both sign documents: RFC 5280 4.2.1.3). */
const PROFILE_KEY_USAGE: Record<'personal' | 'organisation', KeyUsageName[]> = {
  personal: ['digitalSignature', 'nonRepudiation'],
  organisation: ['digitalSignature', 'nonRepudiation'],
};

const sameName = (a: string | undefined, b: string | undefined) =>
  a !== undefined &&
  b !== undefined &&
  a.normalize('NFC').trim().toLowerCase() === b.normalize('NFC').trim().toLowerCase();

/**
 * What a certificate must be before its key is kept server-side (issue 12, finding 4): it chains to the configured
 * trust anchors, is valid now and not revoked (RFC 5280 6.1, with CRLs), asserts its profile's key usage, and names
 * its holder: an active user of the agency (personal: CN = full name, O = agency name) or the agency itself
 * (organisation: O or CN = agency name, or OU = agency code).
 * @throws LienthongError CERT_UNTRUSTED / CERT_REVOKED / DOMAIN_VALIDATION (all 422) with the reason.
 */
async function checkImportedCertificate(
  deps: AppDeps,
  input: {
    agency: string;
    profile: 'personal' | 'organisation';
    username?: string;
    chain: Uint8Array[];
    now: Date;
  },
): Promise<void> {
  const [certificate, ...issuers] = input.chain;
  if (!certificate) throw new LienthongError('DOMAIN_VALIDATION', 'the PKCS#12 holds no certificate');
  const trust = await deps.pki.trustMaterial(input.now);
  const report = await validatePath({
    anchors: trust.anchors,
    intermediates: [...trust.intermediates, ...issuers],
    crls: trust.crls,
    cert: certificate,
    at: input.now,
    requiredKeyUsage: PROFILE_KEY_USAGE[input.profile],
  });
  if (!report.valid) {
    throw new LienthongError(
      report.code === 'REVOKED' ? 'CERT_REVOKED' : 'CERT_UNTRUSTED',
      `the certificate is not acceptable (${report.code}): ${report.message}`,
      { reason: report.code },
    );
  }
  const agency = await deps.identity.getAgency(input.agency);
  if (!agency || !agency.active)
    throw new LienthongError('UNKNOWN_AGENCY', `${input.agency} is not an active agency`);
  const subject = subjectAttributes(certificate);
  if (input.profile === 'personal') {
    const user = input.username ? await deps.identity.getUser(input.username) : null;
    if (!user || !user.active || user.agency !== agency.code)
      throw new LienthongError(
        'DOMAIN_VALIDATION',
        `${input.username ?? 'the holder'} is not an active user of ${agency.code}`,
        { reason: 'HOLDER_UNKNOWN', errors: [{ path: 'body.username', message: 'not an active user' }] },
      );
    if (!sameName(subject.commonName, user.fullName) || !sameName(subject.organisation, agency.name))
      throw new LienthongError(
        'DOMAIN_VALIDATION',
        `the certificate names "${subject.commonName ?? ''}" of "${subject.organisation ?? ''}", not ${user.fullName} of ${agency.name}`,
        { reason: 'HOLDER_MISMATCH' },
      );
  } else if (
    !sameName(subject.organisation, agency.name) &&
    !sameName(subject.commonName, agency.name) &&
    subject.organisationalUnit !== agency.code
  ) {
    throw new LienthongError(
      'DOMAIN_VALIDATION',
      `the certificate names "${subject.organisation ?? subject.commonName ?? ''}", not ${agency.name}`,
      { reason: 'HOLDER_MISMATCH' },
    );
  }
}
