/**
 * The parent message of every plan: header, the kind's plan body, and a footer that follows the
 * plan's status (buttons only while planned). Re-rendered by the bot on approve/reject/expiry and by
 * the runner with the final outcome. Pure.
 */
import type { KnownBlock } from '@slack/types';
import type { StoredPlan } from '../integrations/redis/plan-store.js';
import { ActionIds, type PlanButtonValue } from './action-ids.js';
import { context, escapeMrkdwn, fitBlocks, header, MAX_BLOCKS, mention, section, slackDate } from './format.js';
import type { Message } from './usage-error.js';

export interface PlanMessageOptions {
  /** Final summary (runner) or why the plan ended (expired, fingerprint changed). */
  outcome?: string;
  /** Who may approve, shown while planned. */
  approvers?: string[];
  /** No approver is configured for this kind: say so and show how to fix it. */
  noApproversConfigured?: boolean;
}

const STATUS_LINE: Record<StoredPlan['status'], string> = {
  planned: ':hourglass_flowing_sand: Waiting for approval',
  approved: ':white_check_mark: Approved, queued',
  running: ':arrows_counterclockwise: Running',
  succeeded: ':large_green_circle: Succeeded',
  failed: ':red_circle: Failed',
  cancelled: ':black_square_for_stop: Cancelled',
  expired: ':hourglass: Expired',
  rejected: ':x: Rejected',
};

// Header, context, status footer and buttons leave this many blocks for the kind's body.
const FOOTER_BLOCKS = 6;

export function renderPlanMessage(stored: StoredPlan, rendered: { blocks: KnownBlock[] }, opts: PlanMessageOptions = {}): Message {
  const title = `${stored.dryRun ? 'Dry run' : 'Plan'}: ${stored.kind} ${stored.target}`;
  const blocks: KnownBlock[] = [
    header(title),
    context(
      `Plan \`${stored.id}\` · requested by ${mention(stored.requestedBy)} · ${escapeMrkdwn(stored.summary)}` +
        (stored.status === 'planned' && !stored.dryRun ? ` · expires ${slackDate(stored.expiresAt)}` : ''),
    ),
    ...fitBlocks(rendered.blocks, MAX_BLOCKS - FOOTER_BLOCKS, 'The plan is longer than one message: the full list is attached in the thread.'),
  ];
  blocks.push(...footer(stored, opts));
  return { text: `${title}: ${stored.summary} (${statusText(stored)})`, blocks };
}

function statusText(stored: StoredPlan): string {
  if (stored.dryRun) return 'dry run, nothing will change';
  return STATUS_LINE[stored.status].replace(/^:[a-z_]+: /, '').toLowerCase();
}

function approvedBy(stored: StoredPlan): string {
  const users = stored.approvals.length ? stored.approvals.map((a) => a.user) : stored.decidedBy ? [stored.decidedBy] : [];
  return users.length ? `Approved by ${users.map(mention).join(', ')}` : '';
}

function footer(stored: StoredPlan, opts: PlanMessageOptions): KnownBlock[] {
  if (stored.dryRun) {
    return [context(':eyes: Dry run: nothing will change. Run the command again without `--dry-run` to get a plan you can approve.')];
  }
  const blocks: KnownBlock[] = [{ type: 'divider' }];
  const outcome = opts.outcome ? `\n${escapeMrkdwn(opts.outcome)}` : '';
  switch (stored.status) {
    case 'planned': {
      if (opts.noApproversConfigured) {
        blocks.push(
          section(
            `:lock: Nobody may approve \`${stored.kind}\` plans yet. Add approvers to the policy file (\`DECKHAND_CONFIG\`) and restart deckhand:\n` +
              `\`\`\`commands:\n  ${stored.kind}:\n    run: ['@sre']       # who may ask for plans\n    approve: ['@sre']   # user-group handles or user ids (U…)\`\`\``,
          ),
        );
        blocks.push(actions(stored, false));
        return blocks;
      }
      const have = stored.approvals.length;
      const lines = [STATUS_LINE.planned];
      if (stored.requiredApprovals > 1) {
        lines.push(`${have} of ${stored.requiredApprovals} approvals${have ? `: ${stored.approvals.map((a) => mention(a.user)).join(', ')}` : ''}`);
      }
      if (opts.approvers?.length) lines.push(`May approve: ${opts.approvers.map((a) => (a === '*' ? 'anyone' : mention(a))).join(', ')}`);
      blocks.push(section(lines.join('\n')), actions(stored, true));
      return blocks;
    }
    case 'rejected':
      blocks.push(section(`${STATUS_LINE.rejected}${stored.decidedBy ? ` by ${mention(stored.decidedBy)}` : ''}. Nothing was changed.${outcome}`));
      return blocks;
    case 'expired':
      blocks.push(section(`${STATUS_LINE.expired}: nothing was changed. Run the command again for a fresh plan.${outcome}`));
      return blocks;
    default: {
      const by = approvedBy(stored);
      const when = stored.startedAt ? ` · started ${slackDate(stored.startedAt)}` : '';
      blocks.push(section(`${STATUS_LINE[stored.status]}${outcome}`));
      if (by) blocks.push(context(`${by}${when}`));
      return blocks;
    }
  }
}

function actions(stored: StoredPlan, canApprove: boolean): KnownBlock {
  const value = JSON.stringify({ planId: stored.id } satisfies PlanButtonValue);
  const approve = {
    type: 'button' as const,
    action_id: ActionIds.approve,
    text: { type: 'plain_text' as const, text: 'Approve' },
    style: 'primary' as const,
    value,
    confirm: {
      title: { type: 'plain_text' as const, text: 'Apply this plan?' },
      text: { type: 'mrkdwn' as const, text: `This will change \`${escapeMrkdwn(stored.target)}\`. The current state is checked again first.` },
      confirm: { type: 'plain_text' as const, text: 'Approve' },
      deny: { type: 'plain_text' as const, text: 'Back' },
    },
  };
  const reject = { type: 'button' as const, action_id: ActionIds.reject, text: { type: 'plain_text' as const, text: 'Reject' }, style: 'danger' as const, value };
  return { type: 'actions', block_id: `plan-actions-${stored.id}`, elements: canApprove ? [approve, reject] : [reject] };
}
