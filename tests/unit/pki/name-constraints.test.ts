import type { ParsedCert } from '../../../pki/validate/certificate';
import type { GeneralSubtree } from '../../../pki/validate/extensions';
import type { GeneralName } from '../../../pki/validate/general-name';
import {
  addNameConstraints,
  checkNameConstraints,
  initialNameConstraints,
  MAX_NAME_CONSTRAINT_CHECKS,
  MAX_NAME_CONSTRAINT_CHECKS_PER_VALIDATION,
  nameConstraintBudget,
  nameConstraintsSyntax,
} from '../../../pki/validate/name-constraints';

const EMPTY_SUBJECT = { rdns: [], rdnKeys: [], key: '[]', der: new Uint8Array(0) };

/** A certificate reduced to what name constraint checking reads: an empty subject and its subjectAltNames. */
function withNames(names: GeneralName[]): ParsedCert {
  return { subject: EMPTY_SUBJECT, subjectAltNames: names } as unknown as ParsedCert;
}

const dns = (value: string): GeneralName => ({ kind: 'dns', value });
const email = (value: string): GeneralName => ({ kind: 'rfc822', value });
const subtree = (base: GeneralName): GeneralSubtree => ({ base });

/** otherName [0] { type-id, [0] EXPLICIT UTF8String "x" } with the given type-id content octets. */
function otherName(typeIdContent: number[]): GeneralName {
  const oid = [0x06, typeIdContent.length, ...typeIdContent];
  const value = [0xa0, 0x03, 0x0c, 0x01, 0x78];
  return { kind: 'other', tag: 0, raw: Uint8Array.from([0xa0, oid.length + value.length, ...oid, ...value]) };
}

describe('name constraints (RFC 5280 4.2.1.10)', () => {
  it('rejects a name of an otherName type that an excluded subtree names, and ignores other otherName types', () => {
    const forbidden = otherName([0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02, 0x03]);
    const another = otherName([0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x09]);
    const state = addNameConstraints(initialNameConstraints(), { excluded: [subtree(forbidden)] });
    expect(checkNameConstraints(withNames([dns('a.gov.vn'), forbidden]), state)).toMatch(/violates/);
    expect(checkNameConstraints(withNames([dns('a.gov.vn'), another]), state)).toBeUndefined();
  });

  it('rejects malformed dNSName and rfc822Name values that a permitted subtree would otherwise let through', () => {
    const state = addNameConstraints(initialNameConstraints(), {
      permitted: [subtree(dns('gov.vn')), subtree(email('tayninh.gov.vn'))],
    });
    expect(checkNameConstraints(withNames([dns('sonv.tayninh.gov.vn')]), state)).toBeUndefined();
    expect(checkNameConstraints(withNames([dns('*.tayninh.gov.vn')]), state)).toBeUndefined();
    expect(checkNameConstraints(withNames([dns('.gov.vn')]), state)).toMatch(/malformed/);
    expect(checkNameConstraints(withNames([email('vanthu@tayninh.gov.vn')]), state)).toBeUndefined();
    expect(checkNameConstraints(withNames([email('a@b@tayninh.gov.vn')]), state)).toMatch(/malformed/);
  });

  it('refuses constraints that are not well formed', () => {
    expect(nameConstraintsSyntax({ permitted: [subtree(dns('.gov.vn'))] })).toMatch(/not a host name/);
    expect(nameConstraintsSyntax({ permitted: [subtree(dns('*.gov.vn'))] })).toMatch(/not a host name/);
    expect(nameConstraintsSyntax({ excluded: [subtree(email('a@b@gov.vn'))] })).toMatch(/mailbox/);
    const badMask: GeneralName = { kind: 'ip', value: Uint8Array.from([10, 0, 0, 0, 255, 0, 255, 0]) };
    expect(nameConstraintsSyntax({ permitted: [subtree(badMask)] })).toMatch(/CIDR/);
    const cidr: GeneralName = { kind: 'ip', value: Uint8Array.from([10, 0, 0, 0, 255, 255, 0, 0]) };
    expect(
      nameConstraintsSyntax({
        permitted: [subtree(cidr), subtree(dns('gov.vn')), subtree(email('.gov.vn'))],
      }),
    ).toBeUndefined();
  });

  it('fails at once beyond the work limit and stays bounded at the limit (worst case timed)', () => {
    const side = Math.sqrt(MAX_NAME_CONSTRAINT_CHECKS);
    const excluded = Array.from({ length: side / 2 }, (_, i) => subtree(dns(`excluded${i}.gov.vn`)));
    const permitted = Array.from({ length: side / 2 }, (_, i) => subtree(dns(`permitted${i}.gov.vn`)));
    const state = addNameConstraints(initialNameConstraints(), { permitted, excluded });
    // Every name scans all excluded subtrees and matches only the last permitted one: side x side comparisons.
    const last = `x.permitted${side / 2 - 1}.gov.vn`;
    const atLimit = withNames(Array.from({ length: side }, () => dns(last)));
    const started = performance.now();
    expect(checkNameConstraints(atLimit, state)).toBeUndefined();
    const ms = performance.now() - started;
    process.stdout.write(
      `name constraints worst case: ${side} names x ${side} subtrees in ${ms.toFixed(0)} ms\n`,
    );
    expect(ms).toBeLessThan(10_000);

    const over = withNames(Array.from({ length: side + 1 }, () => dns(last)));
    const t = performance.now();
    expect(checkNameConstraints(over, state)).toMatch(/exceed the limit/);
    expect(performance.now() - t).toBeLessThan(50);
  });

  it('shares one budget across the certificates and paths of a validation call', () => {
    const side = Math.sqrt(MAX_NAME_CONSTRAINT_CHECKS);
    const permitted = Array.from({ length: side }, (_, i) => subtree(dns(`p${i}.gov.vn`)));
    const state = addNameConstraints(initialNameConstraints(), { permitted });
    const cert = withNames(Array.from({ length: side }, () => dns('a.p0.gov.vn')));
    const budget = nameConstraintBudget();
    const rounds = MAX_NAME_CONSTRAINT_CHECKS_PER_VALIDATION / MAX_NAME_CONSTRAINT_CHECKS;
    for (let i = 0; i < rounds; i++) expect(checkNameConstraints(cert, state, budget)).toBeUndefined();
    expect(checkNameConstraints(cert, state, budget)).toMatch(/per validation/);
  });
});
