/**
 * Report templates (`templates/*.md`) are Mustache, rendered by mustache.js, so operators who override them get the
 * semantics they know (the subset deckhand supports is described in docs/templates.md). Two things deckhand adds
 * around it:
 *
 * - Escaping for Markdown, not HTML: `{{name}}` turns newlines into spaces (a value can never start a heading, a
 *   list item or a table row) and backslash-escapes \ ` * _ ~ [ ] < > | # (no emphasis, links, mentions such as
 *   `<!channel>`, HTML or table cells injected by chat text). `{{{name}}}` is for values the report formats itself.
 * - A strict check before rendering: a placeholder whose name is absent from the view (not merely empty), a partial
 *   (`{{> file}}`) or a malformed tag is a TemplateError naming the file and line, so a typo in an override fails
 *   loudly instead of silently dropping a field. Names are looked up as own properties only, never inherited ones.
 */
import Mustache from 'mustache';
import { UserFacingError } from '../errors.js';

export type TemplateValue = string | number | boolean | null | undefined | TemplateView | TemplateValue[];
export interface TemplateView {
  [key: string]: TemplateValue;
}

/** Shown to the person who asked for the report: a template problem is the operator's to fix, and this says where. */
export class TemplateError extends UserFacingError {
  override name = 'TemplateError';
}

/** mustache.js token: [type, value, start, end, children?]; types used here: text, name, &, #, ^, !, >, =. */
type Token = [string, string, number, number, Token[]?];

const NAME = /^(?:\.|[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*)$/;
const MARKDOWN_SPECIAL = /[\\`*_~[\]<>|#]/g;

export function escapeMarkdown(text: unknown): string {
  return String(text)
    .replace(/\r?\n|\r/g, ' ')
    .replace(MARKDOWN_SPECIAL, (ch) => `\\${ch}`);
}

function lineOf(source: string, index: number): number {
  return source.slice(0, index).split('\n').length;
}

function parse(source: string, file: string): Token[] {
  try {
    return Mustache.parse(source) as Token[];
  } catch (err) {
    // mustache.js reports a character offset ("Unclosed section "xs" at 8"); people read lines.
    const message = err instanceof Error ? err.message : String(err);
    const at = /^(.*) at (\d+)$/.exec(message);
    throw new TemplateError(at ? `${file}:${lineOf(source, Number(at[2]))}: ${at[1]}` : `${file}: ${message}`);
  }
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

/** Mustache's own notion of an empty section value. */
function isEmpty(value: TemplateValue): boolean {
  return !value || (Array.isArray(value) && value.length === 0);
}

/** Walks the paths the render will take and checks every name on them against the view. */
function check(tokens: Token[], scopes: TemplateValue[], source: string, file: string): void {
  for (const [type, name, start, , children = []] of tokens) {
    if (type === 'text' || type === '!' || type === '=') continue;
    const where = `${file}:${lineOf(source, start)}`;
    if (type === '>') throw new TemplateError(`${where}: partials ({{> ${name}}}) are not supported`);
    if (!NAME.test(name)) throw new TemplateError(`${where}: invalid name {{${name}}}`);
    const value = lookup(scopes, name);
    if (value === MISSING) throw new TemplateError(`${where}: unknown placeholder {{${name}}}`);
    if (type === '^' && isEmpty(value)) check(children, scopes, source, file);
    if (type !== '#' || isEmpty(value)) continue;
    for (const item of Array.isArray(value) ? value : [value]) check(children, [...scopes, item], source, file);
  }
}

/** Renders with Markdown escaping after the strict check; `file` names the template in errors. */
export function renderTemplate(source: string, view: TemplateView, file = 'template'): string {
  check(parse(source, file), [view], source, file);
  return Mustache.render(source, view, {}, { escape: escapeMarkdown });
}
