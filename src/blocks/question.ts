/**
 * A question a run asks its thread mid-way (drain timeout, canary continue...), and the same
 * message once answered (buttons replaced by who chose what). Pure.
 *
 * Each choice sits in its own actions block: Slack requires action_ids to be unique within a
 * block, and every choice uses `ActionIds.answer` so one handler serves them all.
 */
import type { KnownBlock } from '@slack/types';
import type { Question } from '../jobs/kind.js';
import { ActionIds, type AnswerButtonValue } from './action-ids.js';
import { context, escapeMrkdwn, mention, section, truncate } from './format.js';

/** Slack's limit on a button label. */
const MAX_BUTTON_LABEL = 75;
// Question text, context, and one block per choice must stay under 50 blocks.
const MAX_CHOICES = 20;

export function renderQuestion(planId: string, question: Question): { text: string; blocks: KnownBlock[] } {
  if (question.choices.length === 0 || question.choices.length > MAX_CHOICES) {
    throw new Error(`question ${question.id} needs 1 to ${MAX_CHOICES} choices`);
  }
  const blocks: KnownBlock[] = [section(`:question: ${escapeMrkdwn(question.text)}`)];
  for (const choice of question.choices) {
    // Who may pick the choice is decided from the question the worker recorded, never from this value.
    const value: AnswerButtonValue = { planId, questionId: question.id, choice: choice.id };
    blocks.push({
      type: 'actions',
      block_id: `question-${question.id}-${choice.id}`.slice(0, 255),
      elements: [
        {
          type: 'button',
          action_id: ActionIds.answer,
          text: { type: 'plain_text', text: truncate(choice.label, MAX_BUTTON_LABEL) },
          value: JSON.stringify(value),
          ...(choice.style ? { style: choice.style } : {}),
        },
      ],
    });
  }
  const approverOnly = question.choices.filter((c) => c.needsApprover).map((c) => `“${escapeMrkdwn(c.label)}”`);
  if (approverOnly.length > 0) blocks.push(context(`Only an approver of this job may choose ${approverOnly.join(', ')}.`));
  return { text: `Question: ${question.text}`, blocks };
}

export function renderAnsweredQuestion(question: Question, answer: { choice: string; by: string }): { text: string; blocks: KnownBlock[] } {
  const label = question.choices.find((c) => c.id === answer.choice)?.label ?? answer.choice;
  return {
    text: `Question: ${question.text} (answered: ${label})`,
    blocks: [section(`:question: ${escapeMrkdwn(question.text)}`), context(`:white_check_mark: *${escapeMrkdwn(label)}*, chosen by ${mention(answer.by)}`)],
  };
}
