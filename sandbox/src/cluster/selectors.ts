/** `labelSelector` and `fieldSelector` query parameters, as the API server interprets them. */
import type { KubeObject, Labels } from './objects.js';

export class SelectorError extends Error {}

type Requirement = (labels: Labels) => boolean;

/** Splits on commas that are not inside a set `(a,b)`. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') terms.push(current.trim());
  return terms;
}

function parseLabelTerm(term: string): Requirement {
  const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const [, k, op, list] = set as unknown as [string, string, string, string];
    const values = list.split(',').map((v) => v.trim());
    return op === 'in' ? (l) => l[k] !== undefined && values.includes(l[k]) : (l) => l[k] === undefined || !values.includes(l[k]);
  }
  const compare = /^([\w./-]+)\s*(==|!=|=)\s*([\w./-]*)$/.exec(term);
  if (compare) {
    const [, k, op, v] = compare as unknown as [string, string, string, string];
    return op === '!=' ? (l) => l[k] !== v : (l) => l[k] === v;
  }
  const exists = /^(!?)([\w./-]+)$/.exec(term);
  if (exists) {
    const [, not, k] = exists as unknown as [string, string, string];
    return not ? (l) => l[k] === undefined : (l) => l[k] !== undefined;
  }
  throw new SelectorError(`unable to parse requirement: "${term}"`);
}

export function labelSelector(text: string | null): (obj: KubeObject) => boolean {
  if (!text) return () => true;
  const requirements = splitTerms(text).map(parseLabelTerm);
  return (obj) => requirements.every((r) => r(obj.metadata.labels ?? {}));
}

function fieldValue(obj: KubeObject, path: string): string {
  let value: unknown = obj;
  for (const part of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  return value === undefined || value === null ? '' : String(value);
}

export function fieldSelector(text: string | null): (obj: KubeObject) => boolean {
  if (!text) return () => true;
  const requirements = splitTerms(text).map((term) => {
    const match = /^([\w.]+)\s*(==|!=|=)\s*(.*)$/.exec(term);
    if (!match) throw new SelectorError(`invalid field selector: "${term}"`);
    const [, path, op, v] = match as unknown as [string, string, string, string];
    return (obj: KubeObject) => (op === '!=' ? fieldValue(obj, path) !== v : fieldValue(obj, path) === v);
  });
  return (obj) => requirements.every((r) => r(obj));
}
