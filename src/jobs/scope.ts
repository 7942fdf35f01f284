/**
 * Which named things (Auto Scaling groups, namespaces, hosted zones) a command may touch: a policy list of
 * names and `*` globs, matched whole. The default, `["*"]`, is everything the IAM policy and RBAC allow.
 */
import { z } from 'zod';

export function scopeSchema() {
  return z.array(z.string().regex(/^[\w.*:/@+=-]+$/, 'must be a name or a glob like eks-prod-*')).min(1, 'must name at least one (or "*")').default(['*']);
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

/** True when any of a thing's names (e.g. a zone's id and its name) matches any pattern of the scope. */
export function inScope(names: string[], scope: string[]): boolean {
  return scope.some((pattern) => names.some((name) => globToRegExp(pattern).test(name)));
}
