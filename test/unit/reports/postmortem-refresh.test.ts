import { refreshDraft, sealBlocks } from '../../../src/reports/postmortem/refresh.js';

const draft = (timeline: string, actions: string) =>
  sealBlocks(
    [
      '# Postmortem',
      '',
      '<!-- deckhand:begin timeline -->',
      timeline,
      '<!-- deckhand:end timeline -->',
      '',
      '## Root cause',
      '',
      'TODO',
      '',
      '<!-- deckhand:begin action-items -->',
      actions,
      '<!-- deckhand:end action-items -->',
      '',
    ].join('\n'),
  );

describe('refreshing a postmortem draft', () => {
  const first = draft('| 09:00 | alert |', '| add a cache | bob |');
  const second = draft('| 09:00 | alert |\n| 10:00 | resolved |', '| add a cache | bob |\n| alert on IOPS | alice |');

  it('stamps each generated block with the hash of its text', () => {
    expect(first).toMatch(/<!-- deckhand:begin timeline sha=[0-9a-f]{12} -->\n\| 09:00 \| alert \|\n<!-- deckhand:end timeline -->/);
  });

  it('replaces untouched blocks and keeps human text outside blocks', () => {
    const human = first.replace('TODO', 'The orders table had no cache.');
    const result = refreshDraft(human, second)!;
    expect(result.refreshed).toEqual(['timeline', 'action-items']);
    expect(result.kept).toEqual([]);
    expect(result.markdown).toBe(second.replace('TODO', 'The orders table had no cache.'));
  });

  it('keeps a block a human edited and proposes the new version beside it, once', () => {
    const human = first.replace('| add a cache | bob |', '| add a cache for orders | bob | 2026-01-20 |');
    const result = refreshDraft(human, second)!;
    expect(result.kept).toEqual(['action-items']);
    expect(result.refreshed).toEqual(['timeline']);
    expect(result.markdown).toContain('| add a cache for orders | bob | 2026-01-20 |\n<!-- deckhand:end action-items -->\n<!-- deckhand:begin action-items.proposed');
    expect(result.markdown).toContain("> deckhand's refreshed `action-items`");
    expect(result.markdown).toContain('| alert on IOPS | alice |\n<!-- deckhand:end action-items.proposed -->');
    expect(result.markdown).toContain('| 10:00 | resolved |');
    // A third run replaces the proposal instead of stacking another one.
    const third = refreshDraft(result.markdown, second)!;
    expect(third.markdown.match(/deckhand:begin action-items\.proposed/g)).toHaveLength(1);
    expect(third.markdown).toContain('| add a cache for orders | bob | 2026-01-20 |');
  });

  it('trailing whitespace an editor adds is not an edit', () => {
    const reflowed = first.replace('| 09:00 | alert |', '| 09:00 | alert |   ');
    expect(refreshDraft(reflowed, second)!.kept).toEqual([]);
  });

  it('a document without deckhand blocks is not ours to overwrite', () => {
    expect(refreshDraft('# Team notes\n\nour runbook', second)).toBeUndefined();
  });

  it('blocks new to the template go at the end', () => {
    const withLinks = `${second}\n<!-- deckhand:begin links -->\n- dashboard\n<!-- deckhand:end links -->\n`;
    const result = refreshDraft(first, sealBlocks(withLinks))!;
    expect(result.markdown.trimEnd()).toMatch(/<!-- deckhand:begin links sha=[0-9a-f]{12} -->\n- dashboard\n<!-- deckhand:end links -->$/);
  });
});
