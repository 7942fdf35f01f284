/**
 * IAM identity-based policy documents as the sandbox reads them: the templated files under `deploy/aws/`
 * rendered with the account's values, validated strictly (an operator or element the evaluator does not
 * know is an error, never silently ignored), and enumerated into grants for the least-privilege check.
 */
import { readFileSync } from 'node:fs';

export type ConditionValues = string[];
/** operator (e.g. `ForAllValues:StringLike`) -> condition key (lower-cased, as IAM compares them) -> values */
export type Conditions = Record<string, Record<string, ConditionValues>>;

export interface Statement {
  /** The statement's Sid, or `Statement[n]` when it has none. */
  id: string;
  effect: 'Allow' | 'Deny';
  actions: string[];
  /** True for NotAction: the statement applies to every action except `actions`. */
  notAction: boolean;
  /** Rendered resource patterns, and as written in the template (what grants are named by, whatever the account). */
  resources: { pattern: string; template: string }[];
  notResource: boolean;
  conditions: Conditions;
}

export interface Policy {
  /** Where it came from, e.g. `deploy/aws/worker-policy.json`: named in grants and errors. */
  name: string;
  statements: Statement[];
}

const OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnNotEquals',
  'ArnLike',
  'ArnNotLike',
  'Bool',
  'Null',
]);

/** Splits `ForAllValues:StringLikeIfExists` into its parts; undefined for an operator IAM does not have. */
export function parseOperator(operator: string): { set?: 'ForAllValues' | 'ForAnyValue'; base: string; ifExists: boolean } | undefined {
  const match = /^(?:(ForAllValues|ForAnyValue):)?(.+?)(IfExists)?$/.exec(operator);
  if (!match || !OPERATORS.has(match[2]!)) return undefined;
  return { set: match[1] as 'ForAllValues' | 'ForAnyValue' | undefined, base: match[2]!, ifExists: match[3] !== undefined };
}

const TEMPLATE_VARIABLE = /\$\{([A-Z][A-Z0-9_]*)\}/g;

/**
 * Replaces `${NAME}` placeholders (upper case, the shell variables the install guide renders with envsubst);
 * IAM's own policy variables (`${aws:username}`) are lower case and left alone. A placeholder without a value
 * is an error: an unrendered policy must never reach an account.
 */
export function renderTemplate(text: string, variables: Record<string, string>, source: string): string {
  return text.replace(TEMPLATE_VARIABLE, (_, name: string) => {
    const value = variables[name];
    if (value === undefined) throw new Error(`${source}: no value for \${${name}} (known: ${Object.keys(variables).join(', ')})`);
    return value;
  });
}

const list = (value: unknown, what: string): string[] => {
  const values = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string')) throw new Error(`${what} must be a string or a non-empty list of strings`);
  return values as string[];
};

function parseConditions(raw: unknown, where: string, render: (text: string) => string): Conditions {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null) throw new Error(`${where}.Condition must be an object`);
  const conditions: Conditions = {};
  for (const [operator, keys] of Object.entries(raw)) {
    if (!parseOperator(operator)) throw new Error(`${where}: condition operator ${operator} is not supported by the sandbox's IAM evaluator`);
    if (typeof keys !== 'object' || keys === null) throw new Error(`${where}.Condition.${operator} must be an object`);
    conditions[operator] = Object.fromEntries(Object.entries(keys).map(([key, values]) => [key.toLowerCase(), list(values, `${where}.Condition.${operator}.${key}`).map(render)]));
  }
  return conditions;
}

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

/** Parses a policy template, rendering `${NAME}` placeholders in its values with `variables`. */
export function parsePolicy(text: string, name: string, variables: Record<string, string> = {}): Policy {
  const render = (value: string) => renderTemplate(value, variables, name);
  let doc: { Version?: unknown; Statement?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (error) {
    throw new Error(`${name}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (doc.Version !== '2012-10-17') throw new Error(`${name}: Version must be "2012-10-17"`);
  const raw = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const statements = raw.map((s: Record<string, unknown>, n): Statement => {
    const where = `${name} Statement[${n}]`;
    const unknown = Object.keys(s).filter((k) => !STATEMENT_KEYS.has(k));
    if (unknown.length) throw new Error(`${where}: unsupported element(s) ${unknown.join(', ')} (identity-based policies name no Principal)`);
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new Error(`${where}: Effect must be Allow or Deny`);
    if ((s.Action === undefined) === (s.NotAction === undefined)) throw new Error(`${where}: exactly one of Action and NotAction`);
    if ((s.Resource === undefined) === (s.NotResource === undefined)) throw new Error(`${where}: exactly one of Resource and NotResource`);
    const resources = list(s.Resource ?? s.NotResource, `${where}.Resource`).map((template) => ({ pattern: render(template), template }));
    const unrendered = resources.find((r) => r.pattern.includes('${'));
    if (unrendered) throw new Error(`${where}: IAM policy variables are not supported (${unrendered.pattern})`);
    return {
      id: typeof s.Sid === 'string' ? s.Sid : `Statement[${n}]`,
      effect: s.Effect,
      actions: list(s.Action ?? s.NotAction, `${where}.Action`).map(render),
      notAction: s.NotAction !== undefined,
      resources,
      notResource: s.NotResource !== undefined,
      conditions: parseConditions(s.Condition, where, render),
    };
  });
  const ids = statements.map((s) => s.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`${name}: two statements have the Sid ${duplicate}`);
  return { name, statements };
}

/** Reads and renders a policy template file. */
export function loadPolicy(path: string, name: string, variables: Record<string, string>): Policy {
  return parsePolicy(readFileSync(path, 'utf8'), name, variables);
}

/** One thing a policy allows: an action pattern on a resource pattern (as the template writes it) of one statement. */
export function grantId(policy: Policy, statement: Statement, action: string, resourceTemplate: string): string {
  return `${policy.name} ${statement.id}: ${action} on ${resourceTemplate}`;
}

/** Every grant an Allow statement makes (NotAction / NotResource grant too much to list and are refused here). */
export function grantsOf(policy: Policy): string[] {
  return policy.statements
    .filter((s) => s.effect === 'Allow')
    .flatMap((s) => {
      if (s.notAction || s.notResource) throw new Error(`${policy.name} ${s.id}: NotAction/NotResource in an Allow grants more than anyone can check`);
      return s.actions.flatMap((a) => s.resources.map((r) => grantId(policy, s, a, r.template)));
    });
}
