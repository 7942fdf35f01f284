import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeMarkdown, renderTemplate, TemplateError } from '../../../src/reports/template.js';
import { BUNDLED_TEMPLATES_DIR, createTemplates } from '../../../src/reports/templates.js';

describe('renderTemplate', () => {
  it.each([
    ['plain value', 'Hi {{name}}!', { name: 'alice' }, 'Hi alice!'],
    ['number and boolean', '{{n}} {{b}}', { n: 3, b: true }, '3 true'],
    ['nested field', '{{a.b}}', { a: { b: 'x' } }, 'x'],
    ['null and empty render as nothing', '[{{a}}][{{b}}]', { a: null, b: '' }, '[][]'],
    ['list repeats per item', '{{#xs}}({{v}}){{/xs}}', { xs: [{ v: 1 }, { v: 2 }] }, '(1)(2)'],
    ['list of strings with {{.}}', '{{#xs}}{{.}};{{/xs}}', { xs: ['a', 'b'] }, 'a;b;'],
    ['item fields shadow parents, parents stay visible', '{{#xs}}{{v}}/{{top}} {{/xs}}', { top: 'T', v: 'outer', xs: [{ v: 'inner' }] }, 'inner/T '],
    ['empty list skips, inverted shows', '{{#xs}}x{{/xs}}{{^xs}}none{{/xs}}', { xs: [] }, 'none'],
    ['truthy object renders once with its fields', '{{#r}}{{m}}{{/r}}{{^r}}no{{/r}}', { r: { m: '$5' } }, '$5'],
    ['false and null skip', '{{#a}}A{{/a}}{{#b}}B{{/b}}', { a: false, b: null }, ''],
    ['comments vanish', 'a{{! note }}b', {}, 'ab'],
    ['triple braces do not escape', '{{{v}}} {{v}}', { v: 'a|b' }, 'a|b a\\|b'],
  ])('%s', (_name, source, view, expected) => {
    expect(renderTemplate(source, view)).toBe(expected);
  });

  it('drops lines holding only a section tag, so table rows stay adjacent', () => {
    const source = '| h |\n| --- |\n{{#rows}}\n| {{v}} |\n{{/rows}}\nend\n';
    expect(renderTemplate(source, { rows: [{ v: 1 }, { v: 2 }] })).toBe('| h |\n| --- |\n| 1 |\n| 2 |\nend\n');
  });

  it('escapes chat text so it cannot break Markdown structure', () => {
    const evil = 'line1\n# heading | cell *bold* _it_ [link](http://x) <img src=x> `code` \\';
    const out = renderTemplate('| {{t}} |', { t: evil });
    expect(out).not.toContain('\n');
    expect(out).toBe('| line1 \\# heading \\| cell \\*bold\\* \\_it\\_ \\[link\\](http://x) \\<img src=x\\> \\`code\\` \\\\ |');
    expect(escapeMarkdown('a\r\nb')).toBe('a b');
  });

  it('names an unknown placeholder instead of dropping it', () => {
    expect(() => renderTemplate('ok {{titel}}', { title: 'x' }, 'postmortem.md')).toThrow(new TemplateError('postmortem.md: unknown placeholder {{titel}}'));
    expect(() => renderTemplate('{{a.c}}', { a: { b: 1 } })).toThrow(/unknown placeholder \{\{a\.c\}\}/);
  });

  it.each([
    ['unclosed section', 'a\n{{#xs}}x', /template:2: \{\{#xs\}\} is never closed/],
    ['mismatched close', '{{#a}}{{/b}}', /\{\{\/b\}\} closes \{\{#a\}\}/],
    ['stray close', '{{/b}}', /closes nothing/],
    ['malformed triple', '{{{v}}', /malformed tag/],
    ['code-like name', '{{constructor()}}', /invalid name/],
  ])('rejects a malformed template: %s', (_name, source, message) => {
    expect(() => renderTemplate(source, { xs: [], a: 1, b: 1, v: 1 })).toThrow(message);
  });

  it('never reads inherited properties', () => {
    expect(() => renderTemplate('{{constructor}}', {})).toThrow(/unknown placeholder/);
    expect(() => renderTemplate('{{a.toString}}', { a: {} })).toThrow(/unknown placeholder/);
  });
});

describe('createTemplates', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dh-templates-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses a file in the override directory instead of the bundled one of the same name', async () => {
    writeFileSync(join(dir, 'cost-estimate.md'), 'custom {{subject}}');
    const templates = createTemplates(dir);
    expect(await templates.render('cost-estimate.md', { subject: 'x' })).toBe('custom x');
  });

  it('falls back to the bundled templates', async () => {
    const templates = createTemplates(dir);
    const bundled = createTemplates(undefined, BUNDLED_TEMPLATES_DIR);
    const view = { subject: 's', region: 'r', hours: 730, source: null, items: [], total: '$730', options: [], comparison: null, spot: null, priceDate: 'd', priceVersion: 'v', assumptions: [] };
    expect(await templates.render('cost-estimate.md', view)).toBe(await bundled.render('cost-estimate.md', view));
    expect(await templates.render('cost-estimate.md', view)).toContain('# Cost estimate: s');
  });
});
