import { Asn1Error, children, oid, parseDer } from '../asn1/der';
import type { ParsedCert } from './certificate';
import type { GeneralSubtree, NameConstraints } from './extensions';
import type { GeneralName } from './general-name';
import { emailAddresses, nameWithin } from './name';

/**
 * Upper bounds on name-constraint work, counted as (names checked) x (subtrees in force): per certificate, and per
 * validation call over all candidate paths (a call may try up to 16 paths of up to 12 certificates). Beyond either
 * the certificate fails with `NAME_CONSTRAINTS` without comparing, instead of spending quadratic time (x509-limbo
 * `pathological::nc-dos-*`, OpenSSL's many-names/many-constraints). 2^18 comparisons took about 0.3 s on the
 * development machine (see PROFILE.md); real certificates need a few dozen.
 */
export const MAX_NAME_CONSTRAINT_CHECKS = 1 << 18;
export const MAX_NAME_CONSTRAINT_CHECKS_PER_VALIDATION = 1 << 20;

/** Remaining name-constraint comparisons of one validation call. */
export interface NameConstraintBudget {
  left: number;
}

export function nameConstraintBudget(): NameConstraintBudget {
  return { left: MAX_NAME_CONSTRAINT_CHECKS_PER_VALIDATION };
}

/**
 * Name constraint state (RFC 5280 6.1.2 (b)-(c), 6.1.4 (g)). Instead of computing subtree intersections, every
 * certificate's permittedSubtrees is kept as one group: a name is permitted when, for each group that constrains its
 * name form, it lies in at least one subtree of that group. Excluded subtrees are a union.
 */
export interface NameConstraintState {
  permittedGroups: GeneralSubtree[][];
  excluded: GeneralSubtree[];
}

export function initialNameConstraints(): NameConstraintState {
  return { permittedGroups: [], excluded: [] };
}

/** 6.1.4 (g): add a certificate's nameConstraints to the state (returns a new state). */
export function addNameConstraints(state: NameConstraintState, nc: NameConstraints): NameConstraintState {
  return {
    permittedGroups: nc.permitted ? [...state.permittedGroups, nc.permitted] : state.permittedGroups,
    excluded: nc.excluded ? [...state.excluded, ...nc.excluded] : state.excluded,
  };
}

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/** A host name of LDH labels (underscore tolerated), at most 253 characters, no empty label. */
function isHostName(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s.split('.').every((l) => LABEL.test(l));
}

/** dNSName in a subjectAltName (RFC 5280 4.2.1.6, RFC 1034 3.5): a host name, optionally with a `*.` wildcard label. */
export function isValidDnsName(s: string): boolean {
  return isHostName(s.startsWith('*.') ? s.slice(2) : s);
}

/** rfc822Name in a subjectAltName (RFC 5280 4.2.1.6, RFC 5321 4.1.2 Mailbox): one `@`, a local part and a domain. */
export function isValidEmail(s: string): boolean {
  const at = s.indexOf('@');
  return at > 0 && at === s.lastIndexOf('@') && isHostName(s.slice(at + 1));
}

/**
 * Syntax of one subtree base (RFC 5280 4.2.1.10): a dNSName constraint is a host name (or empty, matching all; no
 * leading period and no wildcard); an rfc822Name constraint is a mailbox, a host or `.domain`; an iPAddress
 * constraint is an IPv4 or IPv6 address followed by a contiguous (CIDR) mask. Returns a reason or undefined.
 */
function subtreeSyntax(base: GeneralName): string | undefined {
  switch (base.kind) {
    case 'dns':
      return base.value === '' || isHostName(base.value)
        ? undefined
        : `dNSName constraint "${base.value}" is not a host name`;
    case 'rfc822': {
      const v = base.value;
      const ok = v.includes('@') ? isValidEmail(v) : isHostName(v.startsWith('.') ? v.slice(1) : v);
      return ok ? undefined : `rfc822Name constraint "${v}" is not a mailbox, host or domain`;
    }
    case 'ip': {
      const len = base.value.length;
      if (len !== 8 && len !== 32) return `iPAddress constraint of ${len} octets`;
      const mask = base.value.subarray(len / 2);
      let ended = false;
      for (const byte of mask) {
        for (let bit = 7; bit >= 0; bit--) {
          const set = (byte >> bit) & 1;
          if (set && ended) return 'iPAddress constraint mask is not a CIDR prefix';
          if (!set) ended = true;
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Checks the syntax of every subtree of a nameConstraints extension; returns the first problem. */
export function nameConstraintsSyntax(nc: NameConstraints): string | undefined {
  for (const st of [...(nc.permitted ?? []), ...(nc.excluded ?? [])]) {
    const problem = subtreeSyntax(st.base);
    if (problem) return problem;
  }
  return undefined;
}

function hostMatches(host: string, constraint: string): boolean {
  const h = host.toLowerCase();
  const c = constraint.toLowerCase();
  if (c.startsWith('.')) return h.endsWith(c);
  return h === c;
}

function dnsWithin(name: string, constraint: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const c = constraint.toLowerCase().replace(/\.$/, '');
  if (c === '') return true;
  if (c.startsWith('.')) return n.endsWith(c);
  return n === c || n.endsWith(`.${c}`);
}

function emailWithin(email: string, constraint: string): boolean {
  const at = email.lastIndexOf('@');
  if (at < 0) return false;
  if (constraint.includes('@')) {
    const ca = constraint.lastIndexOf('@');
    return (
      email.slice(0, at) === constraint.slice(0, ca) &&
      email.slice(at + 1).toLowerCase() === constraint.slice(ca + 1).toLowerCase()
    );
  }
  return hostMatches(email.slice(at + 1), constraint);
}

function uriHost(uri: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(uri);
  if (!m) return undefined;
  let host = m[1].replace(/^.*@/, '');
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  host = host.replace(/:\d*$/, '');
  return host || undefined;
}

function ipWithin(ip: Uint8Array, constraint: Uint8Array): boolean {
  if (constraint.length !== ip.length * 2) return false;
  for (let i = 0; i < ip.length; i++) {
    const mask = constraint[ip.length + i];
    if ((ip[i] & mask) !== (constraint[i] & mask)) return false;
  }
  return true;
}

/** The type-id of an otherName ([0] { type-id OID, [0] EXPLICIT value }); undefined when it cannot be read. */
function otherNameTypeId(raw: Uint8Array): string | undefined {
  try {
    return oid(children(parseDer(raw, 'otherName'), 'otherName')[0], 'type-id');
  } catch (err) {
    if (err instanceof Asn1Error) return undefined;
    throw err;
  }
}

const otherKinds = new WeakMap<GeneralName, string>();

/** The name form a name or subtree base belongs to: otherName forms are told apart by their type-id. */
function kindKey(n: GeneralName): string {
  if (n.kind !== 'other') return n.kind;
  let key = otherKinds.get(n);
  if (key === undefined) {
    key = n.tag === 0 ? `other:0:${otherNameTypeId(n.raw) ?? '?'}` : `other:${n.tag}`;
    otherKinds.set(n, key);
  }
  return key;
}

/**
 * Whether `name` is inside `subtree`; undefined when the forms differ (the subtree does not apply). A name form the
 * validator cannot compare (otherName, x400Address, ediPartyName, registeredID) under a constraint of the same form
 * counts as inside an excluded subtree and outside a permitted one: RFC 5280 4.2.1.10 requires the application to
 * process the constraint or reject the certificate.
 */
function within(name: GeneralName, subtree: GeneralSubtree, excluded: boolean): boolean | undefined {
  const base = subtree.base;
  if (kindKey(name) !== kindKey(base)) return undefined;
  switch (name.kind) {
    case 'directory':
      return nameWithin(name.value, (base as typeof name).value);
    case 'dns':
      return dnsWithin(name.value, (base as typeof name).value);
    case 'rfc822':
      return emailWithin(name.value, (base as typeof name).value);
    case 'uri': {
      const host = uriHost(name.value);
      return host !== undefined && hostMatches(host, (base as typeof name).value);
    }
    case 'ip':
      return ipWithin(name.value, (base as typeof name).value);
    case 'other':
      return excluded;
  }
}

/** True when `name` satisfies every permitted group of its form and no excluded subtree. */
function permitted(name: GeneralName, state: NameConstraintState): boolean {
  for (const ex of state.excluded) if (within(name, ex, true) === true) return false;
  const key = kindKey(name);
  for (const group of state.permittedGroups) {
    const sameForm = group.filter((s) => kindKey(s.base) === key);
    if (sameForm.length === 0) continue;
    if (!sameForm.some((s) => within(name, s, false) === true)) return false;
  }
  return true;
}

function describe(n: GeneralName): string {
  if (n.kind === 'directory') return 'directory name in subject';
  if (n.kind === 'other') return `${kindKey(n)} name`;
  if (n.kind === 'ip') return 'iPAddress';
  return `${n.kind} name ${n.value}`;
}

/** A malformed name of a form the state constrains cannot be placed inside or outside a subtree. */
function malformedName(n: GeneralName): boolean {
  if (n.kind === 'dns') return !isValidDnsName(n.value);
  if (n.kind === 'rfc822') return !isValidEmail(n.value);
  if (n.kind === 'ip') return n.value.length !== 4 && n.value.length !== 16;
  return false;
}

/**
 * 6.1.3 (b)-(c): checks the subject DN, the emailAddress attributes of the DN (as rfc822Name, 4.2.1.10) and every
 * subjectAltName against the state. A dNSName, rfc822Name or iPAddress that is not syntactically valid fails when
 * any subtree of its form is in force. Fails without comparing when names x subtrees exceeds
 * {@link MAX_NAME_CONSTRAINT_CHECKS} or what is left of `budget`, which it then reduces. Returns a description of
 * the first violation, or undefined.
 */
export function checkNameConstraints(
  cert: ParsedCert,
  state: NameConstraintState,
  budget: NameConstraintBudget = nameConstraintBudget(),
): string | undefined {
  const subtrees = state.excluded.length + state.permittedGroups.reduce((n, g) => n + g.length, 0);
  if (subtrees === 0) return undefined;
  const names: GeneralName[] = [];
  if (cert.subject.rdns.length > 0) {
    names.push({ kind: 'directory', value: cert.subject });
    for (const e of emailAddresses(cert.subject)) names.push({ kind: 'rfc822', value: e });
  }
  for (const n of cert.subjectAltNames ?? []) names.push(n);
  const work = names.length * subtrees;
  if (work > MAX_NAME_CONSTRAINT_CHECKS) {
    return `${names.length} names against ${subtrees} name constraints exceed the limit of ${MAX_NAME_CONSTRAINT_CHECKS} comparisons`;
  }
  if (work > budget.left) {
    return `name constraint checks exceed the limit of ${MAX_NAME_CONSTRAINT_CHECKS_PER_VALIDATION} comparisons per validation`;
  }
  budget.left -= work;
  const constrainedForms = new Set(
    [...state.excluded, ...state.permittedGroups.flat()].map((s) => kindKey(s.base)),
  );
  for (const n of names) {
    if (constrainedForms.has(kindKey(n)) && malformedName(n)) {
      return `${describe(n)} is malformed and cannot be checked against name constraints`;
    }
    if (!permitted(n, state)) return `${describe(n)} violates name constraints`;
  }
  return undefined;
}
