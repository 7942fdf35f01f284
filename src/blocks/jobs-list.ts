/** `/deckhand jobs` and `/deckhand status <id>`. Pure: `now` is passed in. */
import type { KnownBlock } from '@slack/types';
import type { StoredPlan } from '../integrations/redis/plan-store.js';
import { formatDuration } from '../time.js';
import { context, escapeMrkdwn, fitBlocks, header, MAX_BLOCKS, mention, section, slackDate } from './format.js';
import type { Message } from './usage-error.js';

function duration(plan: StoredPlan, now: number): string {
  if (!plan.startedAt) return '–';
  return formatDuration((plan.finishedAt ?? now) - plan.startedAt) + (plan.finishedAt ? '' : ' so far');
}

function line(plan: StoredPlan, now: number): string {
  const started = plan.startedAt ? slackDate(plan.startedAt) : 'not started';
  return (
    `\`${plan.id}\` *${escapeMrkdwn(plan.kind)}* \`${escapeMrkdwn(plan.target)}\` · ${plan.dryRun ? 'dry run' : plan.status}\n` +
    `requested by ${mention(plan.requestedBy)} · ${started} · ${duration(plan, now)}`
  );
}

export function renderJobsList(plans: StoredPlan[], now: number): Message {
  if (plans.length === 0) {
    return { text: 'No deckhand jobs in this channel yet.', blocks: [section('No deckhand jobs in this channel yet. `/deckhand help` shows what you can do.')] };
  }
  const running = plans.filter((p) => p.status === 'running' || p.status === 'approved').length;
  const blocks: KnownBlock[] = [
    header(`deckhand jobs in this channel (${plans.length})`),
    ...fitBlocks(plans.map((p) => section(line(p, now))), MAX_BLOCKS - 2, 'Older jobs are not shown.'),
    context(`${running} running or queued · \`/deckhand status &lt;id&gt;\` shows one job`),
  ];
  return { text: `${plans.length} deckhand jobs, ${running} running or queued`, blocks };
}

/** `currentStep`: the step a running job is in (PlanService.currentStep). */
export function renderJobStatus(plan: StoredPlan, now: number, currentStep?: { index: number; total: number; title: string }): Message {
  const fields = [
    `*Kind*\n${escapeMrkdwn(plan.kind)}`,
    `*Target*\n\`${escapeMrkdwn(plan.target)}\``,
    `*State*\n${plan.dryRun ? 'dry run' : plan.status}`,
    `*Requested by*\n${mention(plan.requestedBy)}`,
    `*Started*\n${plan.startedAt ? slackDate(plan.startedAt) : 'not started'}`,
    `*Duration*\n${duration(plan, now)}`,
  ];
  if (plan.approvals.length) fields.push(`*Approved by*\n${plan.approvals.map((a) => mention(a.user)).join(', ')}`);
  if (plan.status === 'running' && currentStep) fields.push(`*Current step*\n${currentStep.index} of ${currentStep.total}: ${escapeMrkdwn(currentStep.title)}`);
  const blocks: KnownBlock[] = [
    section(`\`${plan.id}\` ${escapeMrkdwn(plan.summary)}`),
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn' as const, text })) },
  ];
  if (plan.outcome) blocks.push(section(escapeMrkdwn(plan.outcome)));
  if (plan.messageTs) blocks.push(context(`Plan message and progress are in the thread of message ${plan.messageTs}.`));
  return { text: `${plan.id}: ${plan.kind} ${plan.target} ${plan.status}`, blocks };
}
