import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validatePath, type PathValidationInput, type ValidationReport } from '../../pki';

/**
 * NIST PKITS (RFC 5280 path validation test suite), every manifest entry. Data lives in ../shared/conformance/pkits
 * beside the repository clone, or wherever PKITS_DIR points.
 */
const PKITS_DIR = process.env.PKITS_DIR ?? path.resolve(__dirname, '../../../shared/conformance/pkits');

/** Entries that are allowed to disagree with `expect`, each with its reason. Empty: all 249 must pass. */
const KNOWN_FAILURES: Record<string, string> = {};

interface ManifestEntry {
  key: string;
  name: string;
  expect: 'valid' | 'invalid';
  trustAnchor: string;
  path: string[];
  otherCerts?: string[];
  crls: string[];
  settings?: {
    initialPolicySet?: string[];
    explicitPolicy?: boolean;
    inhibitPolicyMapping?: boolean;
    inhibitAnyPolicy?: boolean;
  };
}

interface Manifest {
  certDir: string;
  crlDir: string;
  validationTime: string;
  defaultSettings: { initialPolicySet: string[] };
  tests: ManifestEntry[];
}

const manifest = JSON.parse(readFileSync(path.join(PKITS_DIR, 'manifest.json'), 'utf8')) as Manifest;
const read = (dir: string, file: string) => new Uint8Array(readFileSync(path.join(PKITS_DIR, dir, file)));

/** Input for one entry: the path minus the target plus otherCerts as the untrusted pool, all CRLs, PKITS settings. */
export function pkitsInput(entry: ManifestEntry): PathValidationInput {
  const certs = entry.path.map((f) => read(manifest.certDir, f));
  return {
    anchors: [read(manifest.certDir, entry.trustAnchor)],
    cert: certs[certs.length - 1],
    intermediates: [...certs.slice(0, -1), ...(entry.otherCerts ?? []).map((f) => read(manifest.certDir, f))],
    crls: entry.crls.map((f) => read(manifest.crlDir, f)),
    at: new Date(manifest.validationTime),
    policies: entry.settings?.initialPolicySet ?? manifest.defaultSettings.initialPolicySet,
    initialExplicitPolicy: entry.settings?.explicitPolicy === true,
    initialPolicyMappingInhibit: entry.settings?.inhibitPolicyMapping === true,
    initialAnyPolicyInhibit: entry.settings?.inhibitAnyPolicy === true,
    revocation: 'require',
  };
}

describe('NIST PKITS conformance (RFC 5280 section 6)', () => {
  const results = new Map<string, ValidationReport>();

  beforeAll(async () => {
    for (const entry of manifest.tests) results.set(entry.key, await validatePath(pkitsInput(entry)));
  });

  afterAll(() => {
    const passed = manifest.tests.filter((e) => results.get(e.key)?.valid === (e.expect === 'valid')).length;
    process.stdout.write(
      `PKITS: ${passed}/${manifest.tests.length} entries agree with the expected result\n`,
    );
  });

  it('covers all 249 manifest entries', () => {
    expect(manifest.tests).toHaveLength(249);
  });

  it.each(manifest.tests.map((e) => [`${e.key} ${e.name}`, e] as const))('%s', (_label, entry) => {
    const report = results.get(entry.key)!;
    const agrees = report.valid === (entry.expect === 'valid');
    if (KNOWN_FAILURES[entry.key]) {
      expect(agrees).toBe(false);
      return;
    }
    expect({ key: entry.key, valid: report.valid, code: report.code, message: report.message }).toMatchObject(
      {
        valid: entry.expect === 'valid',
      },
    );
    if (entry.expect === 'valid') expect(report.code).toBe('VALID');
  });
});
