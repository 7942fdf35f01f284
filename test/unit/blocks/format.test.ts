import { toCsv } from '../../../src/blocks/csv.js';
import { context, foldLines, listSection, MAX_SECTION_TEXT, section, truncate } from '../../../src/blocks/format.js';

const textOf = (block: unknown) => {
  const b = block as { text?: { text: string }; elements?: { text: string }[] };
  return b.text?.text ?? b.elements![0]!.text;
};

describe('truncate, section and context', () => {
  it('leaves text within the limit alone', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(textOf(section('short'))).toBe('short');
  });

  it('cuts to the limit, counting characters, and says where the rest is', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('😀😀😀😀', 3)).toBe('😀😀…');
    expect(truncate('abcdefghij', 8, ' (more)')).toBe('a (more)');
    const long = 'x'.repeat(MAX_SECTION_TEXT + 10);
    for (const block of [section(long), context(long)]) expect([...textOf(block)]).toHaveLength(MAX_SECTION_TEXT);
    expect(textOf(section(long, '\n… (see the CSV)')).endsWith('x\n… (see the CSV)')).toBe(true);
  });
});

describe('foldLines and listSection', () => {
  it('announces what does not fit', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(50)}`);
    const text = foldLines(lines, (n) => `… and ${n} more`, 0, 300);
    expect(text.length).toBeLessThanOrEqual(300);
    expect(text).toMatch(/… and 96 more$/);
    expect(foldLines(['a', 'b'], (n) => `+${n}`, 7)).toBe('a\nb\n+7');
  });

  it('keeps a titled list within the section limit', () => {
    const lines = Array.from({ length: 500 }, (_, i) => `• item ${i} ${'y'.repeat(20)}`);
    const text = textOf(listSection('Items', lines, (n) => `… and ${n} more`));
    expect(text.length).toBeLessThanOrEqual(MAX_SECTION_TEXT);
    expect(text).toMatch(/^\*Items\*\n• item 0 /);
    expect(text).toMatch(/… and \d+ more$/);
  });
});

describe('toCsv', () => {
  it('quotes cells with commas, quotes or newlines, and ends with a newline', () => {
    expect(toCsv([['a', 'b,c'], [1, 'say "hi"'], ['two\nlines', '']])).toBe('a,"b,c"\n1,"say ""hi"""\n"two\nlines",\n');
  });
});
