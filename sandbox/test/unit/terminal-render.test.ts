import { changedLines, renderBlocks } from '../../src/terminal/render.js';

describe('renderBlocks (the sandbox terminal in place of the Slack client)', () => {
  it('prints headers, sections, fields and context as text and numbers the buttons', () => {
    const { lines, buttons } = renderBlocks(
      [
        { type: 'header', text: { type: 'plain_text', text: 'Rollout plan' } },
        { type: 'section', text: { type: 'mrkdwn', text: 'Requested by <@U0ALICE>\n6 nodes &amp; 2 waves' } },
        { type: 'section', fields: [{ type: 'mrkdwn', text: '*Surge* 3' }] },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'expires in 30 min' }] },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'deckhand_approve', value: '{"planId":"p-1"}' },
            { type: 'button', text: { type: 'plain_text', text: 'Reject' }, action_id: 'deckhand_reject', value: '{"planId":"p-1"}' },
          ],
        },
      ],
      'fallback',
    );
    expect(lines).toEqual(['== Rollout plan ==', 'Requested by @U0ALICE', '6 nodes & 2 waves', '  *Surge* 3', '  (expires in 30 min)']);
    expect(buttons.map((b) => [b.label, b.actionId, b.value])).toEqual([
      ['Approve', 'deckhand_approve', '{"planId":"p-1"}'],
      ['Reject', 'deckhand_reject', '{"planId":"p-1"}'],
    ]);
  });

  it('prints Slack date tokens as their fallback text and, for an update, only the lines that changed', () => {
    const { lines } = renderBlocks([{ type: 'section', text: { text: 'started <!date^1767605736^{time}|2026-01-05T09:35:36Z>' } }], '');
    expect(lines).toEqual(['started 2026-01-05T09:35:36Z']);
    expect(changedLines(['Step 1 of 8', 'elapsed 0s', '[Cancel]'], ['Step 2 of 8', 'elapsed 1m', '[Cancel]'])).toEqual(['Step 2 of 8', 'elapsed 1m']);
  });

  it('falls back to the message text when there are no blocks', () => {
    expect(renderBlocks([], 'plain <@U0BOB>').lines).toEqual(['plain @U0BOB']);
  });
});
