/**
 * IAM's evaluation of identity-based policies for one request: an explicit Deny wins, then any Allow, else the
 * implicit deny. Actions match case-insensitively with `*`/`?` wildcards, resources case-sensitively; condition
 * keys are case-insensitive. Set operators follow IAM, including its trap: `ForAllValues` on a key the
 * request lacks is true. A plain operator on a key with several values fails closed (IAM's documentation
 * tells you to use a set operator there).
 */
import { grantId, parseOperator, type Policy, type Statement } from './policy.js';

/** Condition keys of the request; multivalued keys (aws:TagKeys, route53:ChangeResourceRecordSets*) as arrays. */
export type RequestContext = Record<string, string | string[]>;

export interface AuthRequest {
  /** `service:Operation`, e.g. `autoscaling:UpdateAutoScalingGroup`. */
  action: string;
  /** The resource ARN, or `*` for actions without resource-level permissions. */
  resource: string;
  context?: RequestContext;
}

export type Decision =
  | { allowed: true; grants: string[] }
  | { allowed: false; reason: 'explicit-deny' | 'implicit-deny'; statement?: string };

const patterns = new Map<string, RegExp>();
function wildcard(pattern: string, flags: string): RegExp {
  const key = `${flags}/${pattern}`;
  let re = patterns.get(key);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, flags);
    patterns.set(key, re);
  }
  return re;
}

const matchesAction = (pattern: string, action: string) => wildcard(pattern, 'i').test(action);
const matchesResource = (pattern: string, resource: string) => wildcard(pattern, '').test(resource);

function compare(base: string, policyValue: string, requestValue: string): boolean {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
    case 'ArnEquals':
    case 'ArnNotEquals':
      return policyValue === requestValue;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return policyValue.toLowerCase() === requestValue.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
    case 'ArnLike':
    case 'ArnNotLike':
      return wildcard(policyValue, '').test(requestValue);
    case 'Bool':
      return policyValue.toLowerCase() === requestValue.toLowerCase();
    default:
      throw new Error(`unsupported condition operator ${base}`);
  }
}

function conditionHolds(operator: string, key: string, policyValues: string[], context: Map<string, string[]>): boolean {
  const op = parseOperator(operator)!;
  const present = context.get(key);
  if (op.base === 'Null') return policyValues.some((v) => (v.toLowerCase() === 'true') === (present === undefined || present.length === 0));
  const negated = op.base.includes('Not');
  const matchesAny = (value: string) => policyValues.some((p) => compare(op.base, p, value));
  if (present === undefined || present.length === 0) {
    if (op.ifExists) return true;
    if (op.set === 'ForAllValues') return true;
    if (op.set === 'ForAnyValue') return false;
    return negated;
  }
  if (op.set === 'ForAllValues') return present.every((v) => (negated ? !matchesAny(v) : matchesAny(v)));
  if (op.set === 'ForAnyValue') return present.some((v) => (negated ? !matchesAny(v) : matchesAny(v)));
  if (present.length > 1) return false;
  return negated ? !matchesAny(present[0]!) : matchesAny(present[0]!);
}

function contextMap(context: RequestContext = {}): Map<string, string[]> {
  return new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]]));
}

/** The action and resource (template) patterns through which `statement` applies to the request, if it does. */
function applies(statement: Statement, request: AuthRequest, context: Map<string, string[]>): { action: string; resource: string } | undefined {
  const action = statement.actions.find((p) => matchesAction(p, request.action));
  if (statement.notAction ? action !== undefined : action === undefined) return undefined;
  const resource = statement.resources.find((r) => matchesResource(r.pattern, request.resource));
  if (statement.notResource ? resource !== undefined : resource === undefined) return undefined;
  const holds = Object.entries(statement.conditions).every(([operator, keys]) => Object.entries(keys).every(([key, values]) => conditionHolds(operator, key, values, context)));
  return holds ? { action: action ?? 'NotAction', resource: resource?.template ?? 'NotResource' } : undefined;
}

export function evaluate(policies: Policy[], request: AuthRequest): Decision {
  const context = contextMap(request.context);
  const grants: string[] = [];
  for (const policy of policies) {
    for (const statement of policy.statements) {
      const via = applies(statement, request, context);
      if (!via) continue;
      if (statement.effect === 'Deny') return { allowed: false, reason: 'explicit-deny', statement: `${policy.name} ${statement.id}` };
      grants.push(grantId(policy, statement, via.action, via.resource));
    }
  }
  return grants.length > 0 ? { allowed: true, grants } : { allowed: false, reason: 'implicit-deny' };
}
