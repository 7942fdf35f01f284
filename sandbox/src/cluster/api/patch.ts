/**
 * The three PATCH content types the API server accepts. Strategic merge is treated as a JSON merge patch:
 * for the fields the sandbox serves (labels, annotations, taints, unschedulable, replicas, storage requests)
 * the result is the same, except that lists are replaced wholesale (the real taints list is too).
 */
export class PatchError extends Error {}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k.startsWith('$setElementOrder') || k.startsWith('$retainKeys') || k.startsWith('$deleteFromPrimitiveList')) continue;
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
  path: string;
  value?: unknown;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, parts: string[]): { parent: Record<string, unknown> | unknown[]; last: string } {
  let node: unknown = doc;
  for (const part of parts.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(part)] : (node as Record<string, unknown> | undefined)?.[part];
    if (typeof node !== 'object' || node === null) throw new PatchError(`path not found: /${parts.join('/')}`);
  }
  return { parent: node as Record<string, unknown> | unknown[], last: parts[parts.length - 1]! };
}

function getAt(doc: unknown, parts: string[]): unknown {
  let node: unknown = doc;
  for (const part of parts) node = Array.isArray(node) ? node[Number(part)] : (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch must be an array of operations');
  const doc = structuredClone(target);
  for (const op of operations as Operation[]) {
    const parts = pointer(op.path);
    if (op.op === 'test') {
      if (JSON.stringify(getAt(doc, parts)) !== JSON.stringify(op.value)) throw new PatchError(`test failed at ${op.path}`);
      continue;
    }
    const value = op.op === 'move' || op.op === 'copy' ? structuredClone(getAt(doc, pointer(op.from ?? ''))) : op.value;
    if (op.op === 'move') removeAt(doc, pointer(op.from ?? ''));
    if (op.op === 'remove') {
      removeAt(doc, parts);
      continue;
    }
    const { parent, last } = parentOf(doc, parts);
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (op.op === 'replace') parent[index] = value;
      else parent.splice(index, 0, value);
    } else {
      if (op.op === 'replace' && !(last in parent)) throw new PatchError(`replace: path not found: ${op.path}`);
      parent[last] = value;
    }
  }
  return doc;
}

function removeAt(doc: unknown, parts: string[]): void {
  const { parent, last } = parentOf(doc, parts);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (last in parent) delete parent[last];
  else throw new PatchError(`remove: path not found: /${parts.join('/')}`);
}

export function applyPatch(contentType: string, target: unknown, body: unknown): unknown {
  const type = contentType.split(';')[0]!.trim();
  if (type === 'application/json-patch+json') return jsonPatch(target, body);
  if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') return mergePatch(target, body);
  throw new PatchError(`the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);
}
