import { Oid } from '../oids';

/** A node of the valid_policy_tree (RFC 5280 6.1.2 (a)). Qualifiers are not tracked. */
export interface PolicyNode {
  validPolicy: string;
  expected: Set<string>;
  parent?: PolicyNode;
  children: PolicyNode[];
  depth: number;
}

/** The valid_policy_tree as levels: `levels[d]` holds the nodes at depth d. `null` tree = undefined. */
export interface PolicyTree {
  levels: PolicyNode[][];
}

const ANY = Oid.anyPolicy;
/** Guard against policy-mapping blow-up from hostile certificates. */
const MAX_NODES = 10000;

export function initialPolicyTree(): PolicyTree {
  return { levels: [[{ validPolicy: ANY, expected: new Set([ANY]), children: [], depth: 0 }]] };
}

function addChild(tree: PolicyTree, parent: PolicyNode, policy: string, expected: Set<string>): void {
  const node: PolicyNode = { validPolicy: policy, expected, parent, children: [], depth: parent.depth + 1 };
  parent.children.push(node);
  (tree.levels[node.depth] ??= []).push(node);
  const total = tree.levels.reduce((n, l) => n + l.length, 0);
  if (total > MAX_NODES) throw new Error('POLICY_TREE_TOO_LARGE');
}

function removeNode(tree: PolicyTree, node: PolicyNode): void {
  const level = tree.levels[node.depth];
  const idx = level.indexOf(node);
  if (idx >= 0) level.splice(idx, 1);
  if (node.parent) node.parent.children = node.parent.children.filter((c) => c !== node);
  for (const c of [...node.children]) removeNode(tree, c);
}

/** Removes childless nodes above `depth`, bottom-up (6.1.3 (d)(3)). Returns undefined if the root goes. */
function prune(tree: PolicyTree, depth: number): PolicyTree | undefined {
  for (let d = depth - 1; d >= 0; d--) {
    for (const n of [...(tree.levels[d] ?? [])]) if (n.children.length === 0) removeNode(tree, n);
  }
  return tree.levels[0].length ? tree : undefined;
}

/**
 * 6.1.3 (d)-(e): processes certificate i's policies. `anyPolicyAllowed` is `inhibit_anyPolicy > 0 or (i < n and the
 * certificate is self-issued)`. Returns the new tree, or undefined (NULL tree).
 */
export function processCertificatePolicies(
  tree: PolicyTree | undefined,
  depth: number,
  policies: string[] | undefined,
  anyPolicyAllowed: boolean,
): PolicyTree | undefined {
  if (!tree) return undefined;
  if (!policies) return undefined;
  const parents = tree.levels[depth - 1] ?? [];
  tree.levels[depth] = [];
  for (const p of policies) {
    if (p === ANY) continue;
    let matched = false;
    for (const node of parents) {
      if (node.expected.has(p)) {
        addChild(tree, node, p, new Set([p]));
        matched = true;
      }
    }
    if (!matched) {
      for (const node of parents) if (node.validPolicy === ANY) addChild(tree, node, p, new Set([p]));
    }
  }
  if (policies.includes(ANY) && anyPolicyAllowed) {
    for (const node of parents) {
      const have = new Set(node.children.map((c) => c.validPolicy));
      for (const e of node.expected) if (!have.has(e)) addChild(tree, node, e, new Set([e]));
    }
  }
  return prune(tree, depth);
}

/**
 * 6.1.4 (b): applies policyMappings of certificate i at depth i. With `mappingAllowed` false, mapped issuer-domain
 * policies are deleted instead.
 */
export function applyPolicyMappings(
  tree: PolicyTree | undefined,
  depth: number,
  mappings: Array<[string, string]>,
  mappingAllowed: boolean,
): PolicyTree | undefined {
  if (!tree) return undefined;
  const bySource = new Map<string, Set<string>>();
  for (const [from, to] of mappings) {
    if (!bySource.has(from)) bySource.set(from, new Set());
    bySource.get(from)!.add(to);
  }
  const level = tree.levels[depth] ?? [];
  if (mappingAllowed) {
    for (const [from, targets] of bySource) {
      const nodes = level.filter((n) => n.validPolicy === from);
      if (nodes.length) {
        for (const n of nodes) n.expected = new Set(targets);
      } else {
        const any = level.find((n) => n.validPolicy === ANY);
        if (any?.parent) addChild(tree, any.parent, from, new Set(targets));
      }
    }
    return tree;
  }
  for (const from of bySource.keys()) {
    for (const n of [...(tree.levels[depth] ?? [])]) if (n.validPolicy === from) removeNode(tree, n);
  }
  return prune(tree, depth);
}

/**
 * 6.1.5 (g): intersects the tree with the user-initial-policy-set. Returns the resulting tree (or undefined) and
 * the user-constrained-policy-set.
 */
export function intersectWithUserPolicies(
  tree: PolicyTree | undefined,
  depth: number,
  userPolicies: readonly string[],
): PolicyTree | undefined {
  if (!tree) return undefined;
  if (userPolicies.includes(ANY)) return tree;
  const user = new Set(userPolicies);
  const validNodeSet: PolicyNode[] = [];
  for (let d = 1; d < tree.levels.length; d++) {
    for (const n of tree.levels[d] ?? []) if (n.parent?.validPolicy === ANY) validNodeSet.push(n);
  }
  for (const n of validNodeSet) {
    if (n.validPolicy !== ANY && !user.has(n.validPolicy)) removeNode(tree, n);
  }
  const leafAny = (tree.levels[depth] ?? []).find((n) => n.validPolicy === ANY);
  if (leafAny) {
    const present = new Set(
      validNodeSet.filter((n) => tree.levels[n.depth].includes(n)).map((n) => n.validPolicy),
    );
    if (leafAny.parent) {
      for (const p of user) if (!present.has(p)) addChild(tree, leafAny.parent, p, new Set([p]));
    }
    removeNode(tree, leafAny);
  }
  return prune(tree, depth);
}

/** The valid policies at the leaves (depth n), for reporting. */
export function authorityConstrainedPolicies(tree: PolicyTree | undefined, depth: number): string[] {
  if (!tree) return [];
  return [...new Set((tree.levels[depth] ?? []).map((n) => n.validPolicy))];
}
