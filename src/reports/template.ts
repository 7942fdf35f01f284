/**
 * A deliberately tiny template language for the report files in `templates/` (a Mustache subset).
 * Nothing in a template can run code, include files or reach outside the view it is given.
 *
 * - `{{name}}`    the value, escaped for Markdown text: newlines become spaces (a value can never start a
 *                 heading, a list item or a new table row) and the characters \ ` * _ [ ] < > | # are
 *                 backslash-escaped (no emphasis, links, HTML or table cells injected by chat text).
 * - `{{{name}}}`  the value unescaped, for trusted values the report formats itself (numbers, dates).
 * - `{{#name}}…{{/name}}`  a list repeats its body once per item (the item's fields come first in lookups);
 *                 any other truthy value renders the body once; false, null, '' and [] skip it.
 * - `{{^name}}…{{/name}}`  the body only when `name` is false, null, '' or an empty list.
 * - `{{! comment }}` is dropped. `a.b` looks up a nested field; `{{.}}` is the current list item.
 * - A section, closing or comment tag alone on its line removes that whole line (as in Mustache), so
 *   `{{#rows}}` on its own line does not leave blank lines between the rows of a Markdown table.
 *
 * A name that is absent from the view (not merely empty) is an error naming it, so a typo in an
 * override template fails loudly instead of silently dropping a field.
 */

export type TemplateValue = string | number | boolean | null | undefined | TemplateView | TemplateValue[];
export interface TemplateView {
  [key: string]: TemplateValue;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

type Node =
  | { type: 'text'; text: string }
  | { type: 'value'; name: string; raw: boolean }
  | { type: 'section'; name: string; inverted: boolean; children: Node[] };

const TAG = /\{\{(\{?)\s*([#^/!]?)\s*([^}]*?)\s*(\}?)\}\}/g;
const NAME = /^(?:\.|[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*)$/;
const MARKDOWN_SPECIAL = /[\\`*_[\]<>|#]/g;

export function escapeMarkdown(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(MARKDOWN_SPECIAL, (ch) => `\\${ch}`);
}

function lineOf(source: string, index: number): number {
  return source.slice(0, index).split('\n').length;
}

/** Parses once; `renderTemplate` calls it, tests and start-up checks may call it alone. */
export function parseTemplate(source: string, file = 'template'): Node[] {
  const root: Node[] = [];
  const stack: { name: string; children: Node[]; line: number }[] = [];
  let children = root;
  let last = 0;
  for (const match of source.matchAll(TAG)) {
    const [tag, open = '', sigil = '', name = '', close = ''] = match;
    let at = match.index;
    let end = at + tag.length;
    const line = lineOf(source, at);
    if (sigil) {
      const lineStart = source.lastIndexOf('\n', at - 1) + 1;
      const newline = source.indexOf('\n', end);
      const lineEnd = newline === -1 ? source.length : newline + 1;
      if (lineStart >= last && /^[ \t]*$/.test(source.slice(lineStart, at)) && /^[ \t]*\r?\n?$/.test(source.slice(end, lineEnd))) {
        at = lineStart;
        end = lineEnd;
      }
    }
    if (at > last) children.push({ type: 'text', text: source.slice(last, at) });
    last = end;
    if (sigil === '!') continue;
    if (Boolean(open) !== Boolean(close) || (open && sigil)) throw new TemplateError(`${file}:${line}: malformed tag ${tag}`);
    if (!NAME.test(name)) throw new TemplateError(`${file}:${line}: invalid name in ${tag}`);
    if (sigil === '#' || sigil === '^') {
      const section: Node = { type: 'section', name, inverted: sigil === '^', children: [] };
      children.push(section);
      stack.push({ name, children, line });
      children = section.children;
    } else if (sigil === '/') {
      const top = stack.pop();
      if (!top || top.name !== name) throw new TemplateError(`${file}:${line}: {{/${name}}} closes ${top ? `{{#${top.name}}}` : 'nothing'}`);
      children = top.children;
    } else {
      children.push({ type: 'value', name, raw: Boolean(open) });
    }
  }
  if (last < source.length) children.push({ type: 'text', text: source.slice(last) });
  const open = stack.pop();
  if (open) throw new TemplateError(`${file}:${open.line}: {{#${open.name}}} is never closed`);
  return root;
}

const MISSING = Symbol('missing');

function lookup(scopes: TemplateValue[], name: string): TemplateValue | typeof MISSING {
  if (name === '.') return scopes[scopes.length - 1];
  const [first, ...rest] = name.split('.');
  for (let i = scopes.length - 1; i >= 0; i--) {
    const scope = scopes[i];
    if (!isView(scope) || !Object.hasOwn(scope, first!)) continue;
    let value: TemplateValue = scope[first!];
    for (const key of rest) {
      if (!isView(value) || !Object.hasOwn(value, key)) return MISSING;
      value = value[key];
    }
    return value;
  }
  return MISSING;
}

function isView(value: TemplateValue): value is TemplateView {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmpty(value: TemplateValue): boolean {
  return value === false || value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

function text(value: TemplateValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return Array.isArray(value) ? value.map(text).join(', ') : '';
  return String(value);
}

function renderNodes(nodes: Node[], scopes: TemplateValue[], file: string): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') {
      out += node.text;
      continue;
    }
    const value = lookup(scopes, node.name);
    if (value === MISSING) throw new TemplateError(`${file}: unknown placeholder {{${node.name}}}`);
    if (node.type === 'value') {
      out += node.raw ? text(value) : escapeMarkdown(text(value));
    } else if (node.inverted) {
      if (isEmpty(value)) out += renderNodes(node.children, scopes, file);
    } else if (Array.isArray(value)) {
      for (const item of value) out += renderNodes(node.children, [...scopes, item], file);
    } else if (!isEmpty(value)) {
      out += renderNodes(node.children, [...scopes, value], file);
    }
  }
  return out;
}

export function renderTemplate(source: string, view: TemplateView, file = 'template'): string {
  return renderNodes(parseTemplate(source, file), [view], file);
}
