import type { ParsedCert } from './certificate';
import type { GeneralSubtree, NameConstraints } from './extensions';
import type { GeneralName } from './general-name';
import { emailAddresses, nameWithin } from './name';

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

/** Whether `name` is inside `subtree`; undefined when the forms differ (the subtree does not apply). */
function within(name: GeneralName, subtree: GeneralSubtree): boolean | undefined {
  const base = subtree.base;
  if (name.kind !== base.kind) return undefined;
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
      // Unsupported name form under a constraint of the same form: reject (RFC 5280 4.2.1.10).
      return (base as typeof name).tag === name.tag ? false : undefined;
  }
}

function kindKey(n: GeneralName): string {
  return n.kind === 'other' ? `other:${n.tag}` : n.kind;
}

/** True when `name` satisfies every permitted group of its form and no excluded subtree. */
function permitted(name: GeneralName, state: NameConstraintState): boolean {
  for (const ex of state.excluded) if (within(name, ex) === true) return false;
  for (const group of state.permittedGroups) {
    const sameForm = group.filter((s) => kindKey(s.base) === kindKey(name));
    if (sameForm.length === 0) continue;
    if (!sameForm.some((s) => within(name, s) === true)) return false;
  }
  return true;
}

/**
 * 6.1.3 (b)-(c): checks the subject DN, the emailAddress attributes of the DN (as rfc822Name, 4.2.1.10) and every
 * subjectAltName against the state. Returns a description of the first violating name, or undefined.
 */
export function checkNameConstraints(cert: ParsedCert, state: NameConstraintState): string | undefined {
  if (state.permittedGroups.length === 0 && state.excluded.length === 0) return undefined;
  const names: GeneralName[] = [];
  if (cert.subject.rdns.length > 0) {
    names.push({ kind: 'directory', value: cert.subject });
    for (const e of emailAddresses(cert.subject)) names.push({ kind: 'rfc822', value: e });
  }
  for (const n of cert.subjectAltNames ?? []) names.push(n);
  for (const n of names) {
    if (!permitted(n, state)) {
      return `${n.kind} name ${n.kind === 'directory' ? 'in subject' : 'value' in n && typeof n.value === 'string' ? n.value : ''} violates name constraints`;
    }
  }
  return undefined;
}
