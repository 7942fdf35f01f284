/**
 * Every Slack action_id / callback_id deckhand uses, in one place (docs/ARCHITECTURE.md principle 4).
 * Button values are JSON `{ planId, ... }` and stay far below Slack's 2,000-character limit.
 */
export const ActionIds = {
  approve: 'deckhand_approve',
  reject: 'deckhand_reject',
  cancel: 'deckhand_cancel',
  pause: 'deckhand_pause',
  resume: 'deckhand_resume',
  /** A choice on a mid-run question (drain timeout, canary continue, ...). Value: { planId, questionId, choice }. */
  answer: 'deckhand_answer',
  /** On a run's unfinished cleanup (approvers only). Value: { planId }. */
  retryCleanup: 'deckhand_cleanup_retry',
  stopCleanup: 'deckhand_cleanup_stop',
} as const;

export type ActionId = (typeof ActionIds)[keyof typeof ActionIds];

export interface PlanButtonValue {
  planId: string;
}

export interface AnswerButtonValue {
  planId: string;
  questionId: string;
  choice: string;
}
