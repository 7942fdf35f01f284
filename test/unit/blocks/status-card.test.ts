import type { KnownBlock } from '@slack/types';
import { ActionIds } from '../../../src/blocks/action-ids.js';
import { renderStatusCard, type StatusCardView } from '../../../src/blocks/status-card.js';

const base: StatusCardView = {
  planId: 'p-abc123',
  kind: 'rollout',
  target: 'asg/prod-workers',
  state: 'running',
  step: { index: 2, total: 5, title: 'Drain i-0abc' },
  fields: { Nodes: '3 of 12 replaced', 'Pods evicted': '41' },
  startedAt: 1_000_000,
  now: 1_000_000 + 192_000,
  requestedBy: 'U123',
};

function actionIds(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => ('action_id' in e ? String(e.action_id) : '')) : []));
}

function sectionTexts(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'section' ? [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)] : []));
}

describe('renderStatusCard', () => {
  it('renders a running card', () => {
    expect(renderStatusCard(base)).toMatchSnapshot();
  });

  it('renders a finished card without buttons', () => {
    const card = renderStatusCard({ ...base, state: 'succeeded', step: { index: 5, total: 5, title: 'Verify' }, note: 'All 12 nodes replaced.' });
    expect(card).toMatchSnapshot();
    for (const state of ['succeeded', 'failed', 'cancelled'] as const) {
      expect(actionIds(renderStatusCard({ ...base, state }).blocks)).toEqual([]);
    }
  });

  it('a finished card shows the final state only: no phase, blockers or ETA left over from the run', () => {
    const live = { ...base, fields: { phase: 'waiting before terminate', blockers: 'workloads not yet available: search/es 2/3', eta: '~1m' } };
    expect(sectionTexts(renderStatusCard(live).blocks).join('\n')).toMatch(/waiting before terminate/);
    const done = sectionTexts(renderStatusCard({ ...live, state: 'succeeded', step: { index: 5, total: 5, title: 'Verify' } }).blocks);
    expect(done).toEqual(['*rollout* on `asg/prod-workers`: :large_green_circle: Succeeded', 'All 5 steps done']);
    const failed = sectionTexts(renderStatusCard({ ...live, state: 'failed', note: 'Wave 1: aborted' }).blocks);
    expect(failed).toEqual(['*rollout* on `asg/prod-workers`: :red_circle: Failed', 'Stopped at step 2 of 5: Drain i-0abc', 'Wave 1: aborted']);
  });

  it('offers Pause and Cancel while running, Resume and Cancel while paused, nothing while cancelling', () => {
    expect(actionIds(renderStatusCard(base).blocks)).toEqual([ActionIds.pause, ActionIds.cancel]);
    expect(actionIds(renderStatusCard({ ...base, state: 'paused' }).blocks)).toEqual([ActionIds.resume, ActionIds.cancel]);
    expect(renderStatusCard({ ...base, state: 'cancelling' }).blocks.some((b) => b.type === 'actions')).toBe(false);
    const actions = renderStatusCard(base).blocks.find((b) => b.type === 'actions');
    const values = actions?.type === 'actions' ? actions.elements.map((e) => ('value' in e ? JSON.parse(String(e.value)) : undefined)) : [];
    expect(values).toEqual([{ planId: 'p-abc123' }, { planId: 'p-abc123' }]);
  });

  it('escapes text that would otherwise form mentions or links', () => {
    const card = renderStatusCard({ ...base, target: 'asg/<!channel>', fields: { '<@U1>': '<http://x|y> & z' } });
    const all = sectionTexts(card.blocks).join('\n');
    expect(all).not.toContain('<!channel>');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;http://x|y&gt; &amp; z');
  });

  it('stays within Block Kit limits whatever the kind reports', () => {
    const fields = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`field ${i}`, 'v'.repeat(5000)]));
    const card = renderStatusCard({ ...base, fields, note: 'n'.repeat(10_000), step: { index: 1, total: 2, title: 't'.repeat(10_000) } });
    expect(card.blocks.length).toBeLessThanOrEqual(50);
    for (const block of card.blocks) {
      if (block.type !== 'section') continue;
      expect((block.text?.text ?? '').length).toBeLessThanOrEqual(3000);
      expect((block.fields ?? []).length).toBeLessThanOrEqual(10);
      for (const f of block.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    expect(sectionTexts(card.blocks).join('\n')).toMatch(/more fields not shown/);
  });
});
