import type { KnownBlock } from '@slack/types';
import { renderPlanMessage, type PlanMessageOptions } from '../../../src/blocks/plan-message.js';
import { renderHelp } from '../../../src/blocks/help.js';
import { renderJobsList, renderJobStatus } from '../../../src/blocks/jobs-list.js';
import { renderNotice, renderUsageError } from '../../../src/blocks/usage-error.js';
import { BUILTIN_SPECS } from '../../../src/bot/parse.js';
import type { StoredPlan } from '../../../src/integrations/redis/plan-store.js';
import { ActionIds } from '../../../src/blocks/action-ids.js';

const T0 = Date.UTC(2026, 0, 15, 9, 30);
const plan: StoredPlan = {
  id: 'p-abc123', kind: 'fixture', target: 'fixture/alpha', args: {}, plan: {}, fingerprint: 'f1',
  summary: 'Touch 3 items', dryRun: false, requestedBy: 'U0REQ', channel: 'C0OPS', messageTs: '1700000000.000100',
  status: 'planned', createdAt: T0, expiresAt: T0 + 30 * 60_000, requiredApprovals: 1, approvals: [],
};
const body: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: '3 items <b> & more' } }];

function assertWithinLimits(blocks: KnownBlock[]): void {
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const block of blocks) {
    const b = block as { text?: { text: string }; fields?: { text: string }[] };
    if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(block.type === 'header' ? 150 : 3000);
    for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
  }
}

function actionIds(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => (e as { action_id: string }).action_id) : []));
}

describe('renderPlanMessage', () => {
  it.each([
    ['planned', {}, {}],
    ['planned, two approvals, one given', { requiredApprovals: 2, approvals: [{ user: 'U0APP', at: T0 }] }, { approvers: ['@sre', 'U0APP'] }],
    ['planned, nobody may approve', {}, { noApproversConfigured: true }],
    ['dry run', { dryRun: true }, {}],
    ['running', { status: 'running', approvals: [{ user: 'U0APP', at: T0 }], startedAt: T0 + 60_000 }, {}],
    ['succeeded', { status: 'succeeded', approvals: [{ user: 'U0APP', at: T0 }], startedAt: T0 + 60_000, finishedAt: T0 + 180_000 }, { outcome: 'Touched 3 of 3 items.' }],
    ['rejected', { status: 'rejected', decidedBy: 'U0REJ' }, {}],
    ['expired', { status: 'expired' }, { outcome: 'The target changed since this plan was made.' }],
  ] as const)('%s', (_name, patch, opts) => {
    const message = renderPlanMessage({ ...plan, ...patch } as StoredPlan, { blocks: body }, opts as PlanMessageOptions);
    expect(message).toMatchSnapshot();
    assertWithinLimits(message.blocks);
  });

  it('shows buttons only while planned', () => {
    expect(actionIds(renderPlanMessage(plan, { blocks: body }).blocks)).toEqual([ActionIds.approve, ActionIds.reject]);
    expect(actionIds(renderPlanMessage(plan, { blocks: body }, { noApproversConfigured: true }).blocks)).toEqual([ActionIds.reject]);
    for (const status of ['approved', 'running', 'succeeded', 'failed', 'cancelled', 'expired', 'rejected'] as const) {
      expect(actionIds(renderPlanMessage({ ...plan, status }, { blocks: body }).blocks)).toEqual([]);
    }
    expect(actionIds(renderPlanMessage({ ...plan, dryRun: true }, { blocks: body }).blocks)).toEqual([]);
  });

  it('says who approved once approved', () => {
    const message = renderPlanMessage({ ...plan, status: 'approved', approvals: [{ user: 'U0APP', at: T0 }] }, { blocks: body });
    expect(JSON.stringify(message.blocks)).toContain('Approved by <@U0APP>');
  });

  it('escapes user text and stays within limits for huge plans', () => {
    const huge = Array.from({ length: 120 }, (_, i): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: `row ${i}` } }));
    const message = renderPlanMessage({ ...plan, target: `<!channel>${'x'.repeat(400)}`, summary: '<@U0EVIL> & co' }, { blocks: huge });
    assertWithinLimits(message.blocks);
    const mrkdwn = JSON.stringify(message.blocks.filter((b) => b.type !== 'header'));
    expect(mrkdwn).not.toContain('<!channel>');
    expect(JSON.stringify(message.blocks)).toContain('&lt;@U0EVIL&gt; &amp; co');
    expect(JSON.stringify(message.blocks)).toContain('attached in the thread');
  });
});

describe('renderHelp', () => {
  const fixture = { subcommand: 'fixture', summary: 'Touch items', usage: '/deckhand fixture <name> [--dry-run]', example: '/deckhand fixture alpha', flags: [{ name: 'dry-run', type: 'bool' as const, description: 'plan only' }, { name: 'item', type: 'string' as const, repeatable: true, description: 'an item' }] };
  it('lists the given subcommands', () => {
    const message = renderHelp([...BUILTIN_SPECS, fixture]);
    expect(message).toMatchSnapshot();
    assertWithinLimits(message.blocks);
  });
  it('shows one subcommand with flags and example', () => {
    expect(renderHelp([fixture], 'fixture')).toMatchSnapshot();
  });
  it('says when the topic is not allowed', () => {
    expect(renderHelp(BUILTIN_SPECS, 'fixture').text).toMatch(/may not use/);
  });
});

describe('jobs list and status', () => {
  const plans: StoredPlan[] = [
    { ...plan, id: 'p-2', status: 'running', startedAt: T0 + 60_000, approvals: [{ user: 'U0APP', at: T0 }] },
    { ...plan, id: 'p-1', status: 'succeeded', startedAt: T0, finishedAt: T0 + 125_000, outcome: 'Touched 3 of 3.' },
    { ...plan, id: 'p-0', dryRun: true },
  ];
  it('lists jobs', () => {
    const message = renderJobsList(plans, T0 + 300_000);
    expect(message).toMatchSnapshot();
    assertWithinLimits(message.blocks);
  });
  it('caps a long list at 50 blocks', () => {
    const many = Array.from({ length: 80 }, (_, i) => ({ ...plan, id: `p-${i}` }));
    assertWithinLimits(renderJobsList(many, T0).blocks);
  });
  it('says when there are none', () => {
    expect(renderJobsList([], T0).text).toMatch(/No deckhand jobs/);
  });
  it('shows one job', () => {
    expect(renderJobStatus(plans[1]!, T0 + 300_000)).toMatchSnapshot();
  });
  it('shows the step a running job is in', () => {
    const running = { ...plans[1]!, status: 'running' as const };
    const step = { index: 4, total: 11, title: 'Wave 1/3: drain old nodes' };
    expect(JSON.stringify(renderJobStatus(running, T0, step).blocks)).toContain('*Current step*\\n4 of 11: Wave 1/3: drain old nodes');
    expect(JSON.stringify(renderJobStatus({ ...running, status: 'succeeded' }, T0, step).blocks)).not.toContain('Current step');
  });
});

describe('usage errors and notices', () => {
  it('names the problem and gives an example', () => {
    expect(renderUsageError('unknown flag `--surg`. Did you mean `--surge`?', '/deckhand rollout prod --surge 2', '/deckhand rollout <asg>')).toMatchSnapshot();
  });
  it('escapes notices', () => {
    expect(renderNotice('Target <x> is locked').blocks).toMatchSnapshot();
  });
});
