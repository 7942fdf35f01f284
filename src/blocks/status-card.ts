/**
 * The live status card a run keeps updated in its plan's thread: what runs where, the current
 * step, the kind's own fields (`progress.status()`), elapsed time, and Cancel/Pause/Resume while
 * the run is not finished. Once finished it shows only the outcome: state, how far it got, the note, the time taken. Pure; the runner sends it through the outbox's coalesced `updateCard`.
 */
import type { KnownBlock } from '@slack/types';
import { ActionIds, type PlanButtonValue } from './action-ids.js';
import { formatDuration } from '../time.js';
import { context, escapeMrkdwn, MAX_BLOCKS, MAX_SECTION_TEXT, mention, section, truncate } from './format.js';

export type RunState = 'queued' | 'running' | 'paused' | 'retrying' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled';

export interface StatusCardView {
  planId: string;
  kind: string;
  target: string;
  state: RunState;
  /** The step running now (1-based), or the last one reached when finished. */
  step?: { index: number; total: number; title: string };
  /** From `progress.status()`; shown as two-column fields. */
  fields: Record<string, string>;
  startedAt: number;
  now: number;
  /** One line under the fields, e.g. "Paused by <@U1>" or "Retrying after a temporary error (attempt 2 of 5)". */
  note?: string;
  /** Who the card's buttons are for, shown as the requester. */
  requestedBy?: string;
}

const STATE_LINE: Record<RunState, string> = {
  queued: ':hourglass_flowing_sand: Queued',
  running: ':arrows_counterclockwise: Running',
  paused: ':double_vertical_bar: Paused',
  retrying: ':repeat: Retrying',
  cancelling: ':black_square_for_stop: Cancelling at the next step boundary',
  succeeded: ':large_green_circle: Succeeded',
  failed: ':red_circle: Failed',
  cancelled: ':black_square_for_stop: Cancelled',
};

const FINISHED: ReadonlySet<RunState> = new Set(['succeeded', 'failed', 'cancelled']);
/** Block Kit allows 10 fields per section and 2,000 characters per field. */
const FIELDS_PER_SECTION = 10;
const MAX_FIELD_TEXT = 2_000;
// Title, step, context, note and actions leave this many blocks for field sections.
const FIELD_SECTION_BUDGET = MAX_BLOCKS - 5;

export function isFinished(state: RunState): boolean {
  return FINISHED.has(state);
}

export function renderStatusCard(view: StatusCardView): { text: string; blocks: KnownBlock[] } {
  const target = escapeMrkdwn(view.target);
  const title = `*${escapeMrkdwn(view.kind)}* on \`${target}\`: ${STATE_LINE[view.state]}`;
  const blocks: KnownBlock[] = [section(title)];
  const finished = isFinished(view.state);
  if (view.step) blocks.push(section(stepLine(view.state, view.step)));
  // The kind's fields describe the run in progress (phase, blockers, ETA): a finished card shows the outcome only.
  if (!finished) blocks.push(...fieldSections(view.fields));
  if (view.note) blocks.push(section(escapeMrkdwn(view.note)));
  const who = view.requestedBy ? ` · requested by ${mention(view.requestedBy)}` : '';
  blocks.push(context(`Plan \`${escapeMrkdwn(view.planId)}\` · ${finished ? 'took' : 'elapsed'} ${formatDuration(view.now - view.startedAt)}${who}`));
  // Slack rejects an empty actions block: a cancelling run shows no buttons at all.
  if (!finished && view.state !== 'cancelling') blocks.push(controls(view));
  const stepText = view.step ? ` (step ${view.step.index}/${view.step.total})` : '';
  return { text: `${view.kind} on ${view.target}: ${STATE_LINE[view.state].replace(/^:[a-z_]+: /, '')}${stepText}`, blocks };
}

function stepLine(state: RunState, step: NonNullable<StatusCardView['step']>): string {
  if (state === 'succeeded') return `All ${step.total} steps done`;
  const at = `${step.index} of ${step.total}: ${escapeMrkdwn(step.title)}`;
  return isFinished(state) ? `Stopped at step ${at}` : `Step ${at}`;
}

function fieldSections(fields: Record<string, string>): KnownBlock[] {
  const entries = Object.entries(fields).map(([k, v]) => ({ type: 'mrkdwn' as const, text: truncate(`*${escapeMrkdwn(k)}*\n${escapeMrkdwn(v)}`, MAX_FIELD_TEXT) }));
  const sections: KnownBlock[] = [];
  for (let i = 0; i < entries.length && sections.length < FIELD_SECTION_BUDGET; i += FIELDS_PER_SECTION) {
    sections.push({ type: 'section', fields: entries.slice(i, i + FIELDS_PER_SECTION) });
  }
  const shown = sections.length * FIELDS_PER_SECTION;
  if (entries.length > shown) sections[sections.length - 1] = section(truncate(`${entries.length - shown + FIELDS_PER_SECTION} more fields not shown`, MAX_SECTION_TEXT));
  return sections;
}

function controls(view: StatusCardView): KnownBlock {
  const value = JSON.stringify({ planId: view.planId } satisfies PlanButtonValue);
  const button = (action_id: string, text: string, style?: 'primary' | 'danger') => ({
    type: 'button' as const,
    action_id,
    text: { type: 'plain_text' as const, text },
    value,
    ...(style ? { style } : {}),
  });
  const pauseOrResume = view.state === 'paused' ? button(ActionIds.resume, 'Resume', 'primary') : button(ActionIds.pause, 'Pause');
  const cancel = {
    ...button(ActionIds.cancel, 'Cancel', 'danger'),
    confirm: {
      title: { type: 'plain_text' as const, text: 'Cancel this run?' },
      text: { type: 'mrkdwn' as const, text: 'The run stops at the next step boundary and cleans up. Steps already done are not undone.' },
      confirm: { type: 'plain_text' as const, text: 'Cancel run' },
      deny: { type: 'plain_text' as const, text: 'Keep running' },
    },
  };
  return { type: 'actions', block_id: `run-controls-${view.planId}`, elements: [pauseOrResume, cancel] };
}
