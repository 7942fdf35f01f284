import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserFacingError } from '../../../src/errors.js';
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

  it('escapes mentions and strikethrough from chat text', () => {
    expect(renderTemplate('{{t}}', { t: '<!channel> ~gone~ <@U123>' })).toBe('\\<!channel\\> \\~gone\\~ \\<@U123\\>');
  });

  it('follows Mustache: zero is an empty section, a standalone comment line vanishes', () => {
    expect(renderTemplate('{{#n}}some{{/n}}{{^n}}none{{/n}}', { n: 0 })).toBe('none');
    expect(renderTemplate('a\n{{! note }}\nb', {})).toBe('a\nb');
  });

  it('names an unknown placeholder instead of dropping it', () => {
    expect(() => renderTemplate('ok\n\n{{titel}}', { title: 'x' }, 'postmortem.md')).toThrow(new TemplateError('postmortem.md:3: unknown placeholder {{titel}}'));
    expect(() => renderTemplate('{{a.c}}', { a: { b: 1 } })).toThrow(/unknown placeholder \{\{a\.c\}\}/);
  });

  it.each([
    ['unclosed section', 'a\n{{#xs}}x', /^template:2: Unclosed section "xs"$/],
    ['mismatched close', 'a\n\n{{#a}}{{/b}}', /^template:3: Unclosed section "a"$/],
    ['stray close', '{{/b}}', /^template:1: Unopened section "b"$/],
    ['malformed triple', '{{{v}}', /^template:1: Unclosed tag/],
    ['code-like name', '\n{{constructor()}}', /^template:2: invalid name \{\{constructor\(\)\}\}$/],
    ['partial', '{{> other.md}}', /^template:1: partials .* are not supported$/],
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

  it('names the override file and line of an unknown placeholder, as an error the user may read', async () => {
    writeFileSync(join(dir, 'cost-estimate.md'), '# {{subject}}\n\n{{#volumes}}\n{{sizeGB}}\n{{/volumes}}\n');
    const rendering = createTemplates(dir).render('cost-estimate.md', { subject: 'x', volumes: [{ sizeGb: 1 }] });
    await expect(rendering).rejects.toThrow(`${join(dir, 'cost-estimate.md')}:4: unknown placeholder {{sizeGB}}`);
    await expect(rendering).rejects.toBeInstanceOf(UserFacingError);
  });

  it('falls back to the bundled templates', async () => {
    const templates = createTemplates(dir);
    const bundled = createTemplates(undefined, BUNDLED_TEMPLATES_DIR);
    const view = { subject: 's', region: 'r', hours: 730, source: null, items: [], total: '$730', options: [], comparison: null, spot: null, priceDate: 'd', priceVersion: 'v', assumptions: [] };
    expect(await templates.render('cost-estimate.md', view)).toBe(await bundled.render('cost-estimate.md', view));
    expect(await templates.render('cost-estimate.md', view)).toContain('# Cost estimate: s');
  });
});
