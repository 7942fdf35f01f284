/**
 * The message a run's thread gets while its cleanup is not finished: what is done, what is left, when the
 * next try is, and Retry cleanup / Stop retrying (approvers only). The same message without buttons once the
 * cleanup finished or an approver stopped it. Pure.
 */
import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../time.js';
import { ActionIds, type PlanButtonValue } from './action-ids.js';
import { context, escapeMrkdwn, listSection, mention, section } from './format.js';

export type CleanupView =
  | { state: 'pending'; planId: string; target: string; done: string[]; left: string[]; attempt: number; nextTryInMs: number }
  | { state: 'finished'; planId: string; target: string; done: string[]; attempts: number }
  | { state: 'stopped'; planId: string; target: string; left: string[]; by: string };

export function renderCleanupMessage(view: CleanupView): { text: string; blocks: KnownBlock[] } {
  const target = `\`${escapeMrkdwn(view.target)}\``;
  const hidden = (n: number) => `…and ${n} more`;
  switch (view.state) {
    case 'pending': {
      const text = `Cleanup of ${view.target} is not finished: ${view.left.length} part(s) left; retrying in ${formatDuration(view.nextTryInMs)}.`;
      const value = JSON.stringify({ planId: view.planId } satisfies PlanButtonValue);
      return {
        text,
        blocks: [
          section(`:warning: *Cleanup of ${target} is not finished.* deckhand retries with backoff until it is done or an approver stops it.`),
          listSection('Still to do', bullets(view.left), hidden),
          ...(view.done.length ? [listSection('Done', bullets(view.done), hidden)] : []),
          context(`Attempt ${view.attempt} · next try in ${formatDuration(view.nextTryInMs)} · plan \`${escapeMrkdwn(view.planId)}\``),
          {
            type: 'actions',
            elements: [
              { type: 'button', action_id: ActionIds.retryCleanup, text: { type: 'plain_text', text: 'Retry cleanup' }, style: 'primary', value },
              { type: 'button', action_id: ActionIds.stopCleanup, text: { type: 'plain_text', text: 'Stop retrying' }, style: 'danger', value },
            ],
          },
        ],
      };
    }
    case 'finished':
      return {
        text: `Cleanup of ${view.target} finished.`,
        blocks: [
          section(`:white_check_mark: *Cleanup of ${target} finished* after ${view.attempts} attempt(s).`),
          ...(view.done.length ? [listSection('Done', bullets(view.done), hidden)] : []),
        ],
      };
    case 'stopped':
      return {
        text: `Cleanup of ${view.target} stopped by an approver; left to do by hand: ${view.left.join('; ')}`,
        blocks: [
          section(`:black_square_for_stop: *${mention(view.by)} stopped retrying the cleanup of ${target}.* Left to do by hand:`),
          listSection('Still to do', bullets(view.left), hidden),
        ],
      };
  }
}

function bullets(lines: string[]): string[] {
  return lines.map((line) => `• ${escapeMrkdwn(line)}`);
}
