import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { initSystemCa } from './system-ca';
import {
  createCrl,
  createIssuingCa,
  createRootCa,
  CrlReasons,
  decryptPrivateKey,
  describeCertificate,
  encryptPrivateKey,
  EndEntityProfiles,
  generateKeyPair,
  issueEndEntity,
  KeyAlgorithmNames,
  serialFromHex,
  serialToHex,
  validatePath,
  type CaCredentials,
  type CrlReason,
  type EndEntityProfile,
  type KeyAlgorithmName,
  type PathValidationInput,
  type TrustAnchor,
} from '../pki';
import { EXIT_INVALID, EXIT_OK, UsageError } from './exit-codes';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Reads DER or PEM (auto-detected); a PEM file may hold several blocks of the given label. */
async function readObjects(file: string, label: 'CERTIFICATE' | 'X509 CRL'): Promise<Uint8Array[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const text = bytes.toString('latin1');
  if (!text.includes('-----BEGIN')) return [new Uint8Array(bytes)];
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  const blocks = [...text.matchAll(re)].map(
    (m) => new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64')),
  );
  if (blocks.length === 0) throw new UsageError(`${file}: no PEM "${label}" block found`);
  return blocks;
}

async function readAll(
  files: string[] | undefined,
  label: 'CERTIFICATE' | 'X509 CRL',
): Promise<Uint8Array[]> {
  return (await Promise.all((files ?? []).map((f) => readObjects(f, label)))).flat();
}

/** Options of `pki verify-chain` as commander parses them. */
export interface VerifyChainOptions {
  anchor?: string[];
  anchorUnconstrained?: string[];
  cert: string;
  intermediate?: string[];
  crl?: string[];
  at?: string;
  policy?: string[];
  explicitPolicy?: boolean;
  inhibitPolicyMapping?: boolean;
  inhibitAnyPolicy?: boolean;
}

/**
 * Reads the files named by `verify-chain` options into a path validation input. Without `--at` the validation time
 * is `now`. Without any `--crl`, revocation is not checked.
 *
 * @throws UsageError for unreadable files, a bad time or policy OID, or no anchor at all.
 */
export async function verifyChainInput(opts: VerifyChainOptions, now: Date): Promise<PathValidationInput> {
  let at = now;
  if (opts.at !== undefined) {
    at = new Date(opts.at);
    if (!/^\d{4}-\d{2}-\d{2}/.test(opts.at) || Number.isNaN(at.getTime())) {
      throw new UsageError(`--at: not an ISO-8601 time: ${opts.at}`);
    }
  }
  for (const p of opts.policy ?? [])
    if (!/^\d+(\.\d+)+$/.test(p)) throw new UsageError(`--policy: not an OID: ${p}`);
  if (!opts.anchor?.length && !opts.anchorUnconstrained?.length) {
    throw new UsageError('at least one --anchor or --anchor-unconstrained is required');
  }
  const unconstrained = (await readAll(opts.anchorUnconstrained, 'CERTIFICATE')).map(
    (certificate): TrustAnchor => ({ certificate, constraints: 'ignore' }),
  );
  const anchors = [...(await readAll(opts.anchor, 'CERTIFICATE')), ...unconstrained];
  const [cert] = await readObjects(opts.cert, 'CERTIFICATE');
  const intermediates = await readAll(opts.intermediate, 'CERTIFICATE');
  const crls = await readAll(opts.crl, 'X509 CRL');
  return {
    anchors,
    cert,
    intermediates,
    crls,
    at,
    policies: opts.policy,
    initialExplicitPolicy: opts.explicitPolicy === true,
    initialPolicyMappingInhibit: opts.inhibitPolicyMapping === true,
    initialAnyPolicyInhibit: opts.inhibitAnyPolicy === true,
    revocation: crls.length ? 'require' : 'none',
  };
}

async function verifyChain(opts: VerifyChainOptions): Promise<void> {
  const input = await verifyChainInput(opts, new Date());
  const report = await validatePath(input);
  const message = input.crls?.length
    ? report.message
    : report.message.replace('(revocation not checked)', '(revocation not checked: no --crl given)');
  const { valid, code, path: names, anchorConstraints, warnings, skipped } = report;
  process.stdout.write(
    `${JSON.stringify({ valid, code, message, path: names, anchorConstraints, warnings, skipped })}\n`,
  );
  process.exitCode = report.valid ? EXIT_OK : EXIT_INVALID;
}

interface CaState {
  version: 1;
  alg: KeyAlgorithmName;
  crlBaseUrl: string;
  crlNumber: number;
  rootCrlNumber: number;
  issued: Array<{ serialHex: string; profile: EndEntityProfile; subject: string; notAfter: string }>;
  revoked: Array<{ serialHex: string; reason: CrlReason; date: string }>;
}

function passphrase(): string {
  const p = process.env.LIENTHONG_KEYSTORE_PASSPHRASE;
  if (!p) throw new UsageError('LIENTHONG_KEYSTORE_PASSPHRASE must be set to protect the CA keys');
  return p;
}

const stateFile = (dir: string) => path.join(dir, 'ca.json');

async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode: 0o600 });
  await rename(tmp, file);
}

async function loadState(dir: string): Promise<CaState> {
  try {
    return JSON.parse(await readFile(stateFile(dir), 'utf8')) as CaState;
  } catch {
    throw new UsageError(
      `${dir} is not an initialised CA directory (run: lienthong pki ca init --dir ${dir})`,
    );
  }
}

async function loadCa(dir: string, name: 'root' | 'issuing'): Promise<CaCredentials> {
  const certificate = new Uint8Array(await readFile(path.join(dir, `${name}.crt`)));
  const key = new Uint8Array(await readFile(path.join(dir, `${name}.key.p8`)));
  try {
    return { certificate, privateKey: decryptPrivateKey(key, passphrase()) };
  } catch (err) {
    throw new UsageError(`${name} CA key: ${(err as Error).message}`);
  }
}

const YEAR = 365 * 24 * 3600 * 1000;

async function caInit(opts: { dir: string; alg: string; crlBaseUrl: string }): Promise<void> {
  if (!(KeyAlgorithmNames as readonly string[]).includes(opts.alg)) {
    throw new UsageError(`--alg must be one of ${KeyAlgorithmNames.join(', ')}`);
  }
  const pass = passphrase();
  if (existsSync(stateFile(opts.dir))) {
    process.stdout.write(`${JSON.stringify({ created: false, dir: opts.dir })}\n`);
    return;
  }
  await mkdir(opts.dir, { recursive: true });
  const alg = opts.alg as KeyAlgorithmName;
  const base = opts.crlBaseUrl.replace(/\/$/, '');
  const now = new Date();
  const root = await createRootCa({
    subject: [
      { type: 'C', value: 'VN' },
      { type: 'O', value: 'Lienthong' },
      { type: 'CN', value: 'Lienthong Root CA' },
    ],
    notBefore: now,
    notAfter: new Date(now.getTime() + 20 * YEAR),
    keyAlgorithm: alg,
  });
  const issuing = await createIssuingCa({
    subject: [
      { type: 'C', value: 'VN' },
      { type: 'O', value: 'Lienthong' },
      { type: 'CN', value: 'Lienthong Issuing CA' },
    ],
    issuer: root,
    notBefore: now,
    notAfter: new Date(now.getTime() + 10 * YEAR),
    keyAlgorithm: alg,
    crlUrl: `${base}/crl/root.crl`,
    caIssuersUrl: `${base}/ca/root.crt`,
  });
  await writeAtomic(path.join(opts.dir, 'root.key.p8'), encryptPrivateKey(root.privateKey, pass));
  await writeAtomic(path.join(opts.dir, 'issuing.key.p8'), encryptPrivateKey(issuing.privateKey, pass));
  await writeAtomic(path.join(opts.dir, 'root.crt'), root.certificate);
  await writeAtomic(path.join(opts.dir, 'issuing.crt'), issuing.certificate);
  const state: CaState = {
    version: 1,
    alg,
    crlBaseUrl: base,
    crlNumber: 0,
    rootCrlNumber: 0,
    issued: [],
    revoked: [],
  };
  await writeAtomic(stateFile(opts.dir), JSON.stringify(state, null, 2));
  process.stdout.write(
    `${JSON.stringify({ created: true, dir: opts.dir, root: root.serialHex, issuing: issuing.serialHex })}\n`,
  );
}

async function issue(opts: {
  dir: string;
  profile: string;
  cn: string;
  o?: string;
  ou?: string;
  l?: string;
  title?: string;
  email?: string;
  outPrefix: string;
  days: string;
}): Promise<void> {
  if (!(EndEntityProfiles as readonly string[]).includes(opts.profile)) {
    throw new UsageError(`--profile must be one of ${EndEntityProfiles.join(', ')}`);
  }
  const profile = opts.profile as EndEntityProfile;
  if (profile === 'personal' && !opts.o)
    throw new UsageError('--o (organisation) is required for the personal profile');
  const days = Number(opts.days);
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new UsageError('--days must be 1..3650');
  const state = await loadState(opts.dir);
  const issuing = await loadCa(opts.dir, 'issuing');
  const keys = await generateKeyPair(state.alg);
  const now = new Date();
  const issued = issueEndEntity({
    profile,
    subject: { cn: opts.cn, o: opts.o, ou: opts.ou, l: opts.l, title: opts.title, email: opts.email },
    subjectPublicKey: keys.publicKey,
    issuer: issuing,
    notBefore: now,
    notAfter: new Date(now.getTime() + days * 24 * 3600 * 1000),
    crlUrl: `${state.crlBaseUrl}/crl/issuing.crl`,
    caIssuersUrl: `${state.crlBaseUrl}/ca/issuing.crt`,
  });
  const summary = describeCertificate(issued.certificate);
  await writeAtomic(`${opts.outPrefix}.crt`, issued.certificate);
  await writeAtomic(`${opts.outPrefix}.key.p8`, encryptPrivateKey(keys.privateKey, passphrase()));
  state.issued.push({
    serialHex: issued.serialHex,
    profile,
    subject: summary.subject,
    notAfter: summary.notAfter.toISOString(),
  });
  await writeAtomic(stateFile(opts.dir), JSON.stringify(state, null, 2));
  process.stdout.write(
    `${JSON.stringify({ serial: issued.serialHex, subject: summary.subject, cert: `${opts.outPrefix}.crt`, key: `${opts.outPrefix}.key.p8` })}\n`,
  );
}

async function revoke(opts: { dir: string; serial: string; reason: string }): Promise<void> {
  if (!(opts.reason in CrlReasons))
    throw new UsageError(`--reason must be one of ${Object.keys(CrlReasons).join(', ')}`);
  let serialHex: string;
  try {
    serialHex = serialToHex(serialFromHex(opts.serial));
  } catch {
    throw new UsageError(`--serial: not a hex serial number: ${opts.serial}`);
  }
  const state = await loadState(opts.dir);
  if (!state.issued.some((i) => i.serialHex === serialHex)) {
    throw new UsageError(`serial ${serialHex} was not issued by this CA`);
  }
  const already = state.revoked.some((r) => r.serialHex === serialHex);
  if (!already) {
    state.revoked.push({ serialHex, reason: opts.reason as CrlReason, date: new Date().toISOString() });
    await writeAtomic(stateFile(opts.dir), JSON.stringify(state, null, 2));
  }
  process.stdout.write(`${JSON.stringify({ serial: serialHex, revoked: true, changed: !already })}\n`);
}

async function crl(opts: { dir: string; out: string; rootOut?: string; days: string }): Promise<void> {
  const days = Number(opts.days);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new UsageError('--days must be 1..366');
  const state = await loadState(opts.dir);
  const now = new Date();
  const nextUpdate = new Date(now.getTime() + days * 24 * 3600 * 1000);
  state.crlNumber += 1;
  const der = createCrl({
    issuer: await loadCa(opts.dir, 'issuing'),
    crlNumber: state.crlNumber,
    thisUpdate: now,
    nextUpdate,
    revoked: state.revoked.map((r) => ({ serial: r.serialHex, date: new Date(r.date), reason: r.reason })),
  });
  await writeAtomic(opts.out, der);
  if (opts.rootOut) {
    state.rootCrlNumber += 1;
    const rootDer = createCrl({
      issuer: await loadCa(opts.dir, 'root'),
      crlNumber: state.rootCrlNumber,
      thisUpdate: now,
      nextUpdate,
      revoked: [],
    });
    await writeAtomic(opts.rootOut, rootDer);
  }
  await writeAtomic(stateFile(opts.dir), JSON.stringify(state, null, 2));
  process.stdout.write(
    `${JSON.stringify({ crlNumber: state.crlNumber, revoked: state.revoked.length, out: opts.out })}\n`,
  );
}

/** Registers the subcommands of `lienthong pki …` (created by main.ts): path validation (RFC 5280 6), operator CA. */
export function registerPkiCommands(pki: Command): void {
  pki
    .command('verify-chain')
    .description('validate a certification path (RFC 5280 section 6); prints one JSON object')
    .option(
      '--anchor <file>',
      'trust anchor certificate, DER or PEM (repeatable); its own validity, basicConstraints, keyUsage and nameConstraints apply',
      collect,
    )
    .option(
      '--anchor-unconstrained <file>',
      'trust anchor used for its name and key only, its own constraints not applied (repeatable)',
      collect,
    )
    .requiredOption('--cert <file>', 'end-entity certificate, DER or PEM')
    .option('--intermediate <file>', 'untrusted intermediate certificate(s) (repeatable)', collect)
    .option('--crl <file>', 'CRL, DER or PEM (repeatable); without any, revocation is not checked', collect)
    .option('--at <iso8601>', 'validation time (default: now)')
    .option('--policy <oid>', 'user-initial-policy-set member (repeatable; default anyPolicy)', collect)
    .option('--explicit-policy', 'initial-explicit-policy')
    .option('--inhibit-policy-mapping', 'initial-policy-mapping-inhibit')
    .option('--inhibit-any-policy', 'initial-any-policy-inhibit')
    .action((opts: VerifyChainOptions) => verifyChain(opts));

  pki
    .command('ca')
    .description('operator CA kept as files in a directory')
    .command('init')
    .description(
      'create the root and issuing CA if absent (idempotent): in DIR with --dir, otherwise the system CA in MongoDB (MONGODB_URI)',
    )
    .option('--dir <dir>', 'CA directory (file-based operator CA)')
    .option('--alg <alg>', `key algorithm: ${KeyAlgorithmNames.join('|')}`, 'rsa2048')
    .option('--crl-base-url <url>', 'base URL for CRL and CA certificate publication', 'http://localhost/pki')
    .action((opts: { dir?: string; alg: string; crlBaseUrl: string }) =>
      opts.dir ? caInit({ ...opts, dir: opts.dir }) : initSystemCa(process.env),
    );

  pki
    .command('issue')
    .description('issue an end-entity certificate and an encrypted key')
    .requiredOption('--dir <dir>', 'CA directory')
    .requiredOption('--profile <profile>', `${EndEntityProfiles.join('|')}`)
    .requiredOption('--cn <name>', 'common name')
    .option('--o <org>', 'organisation (agency)')
    .option('--ou <unit>', 'organisational unit')
    .option('--l <locality>', 'locality')
    .option('--title <title>', 'job title (personal profile)')
    .option('--email <address>', 'e-mail address (subjectAltName)')
    .option('--days <n>', 'validity in days', '730')
    .requiredOption('--out-prefix <prefix>', 'writes PREFIX.crt and PREFIX.key.p8')
    .action((opts: Parameters<typeof issue>[0]) => issue(opts));

  pki
    .command('revoke')
    .description('mark a certificate revoked (takes effect in the next CRL)')
    .requiredOption('--dir <dir>', 'CA directory')
    .requiredOption('--serial <hex>', 'certificate serial number, hex')
    .requiredOption('--reason <name>', Object.keys(CrlReasons).join('|'))
    .action((opts: { dir: string; serial: string; reason: string }) => revoke(opts));

  pki
    .command('crl')
    .description('sign a new CRL for the issuing CA')
    .requiredOption('--dir <dir>', 'CA directory')
    .requiredOption('--out <file>', 'DER CRL output')
    .option('--root-out <file>', 'also sign the root CA CRL')
    .option('--days <n>', 'nextUpdate in days', '7')
    .action((opts: { dir: string; out: string; rootOut?: string; days: string }) => crl(opts));
}
