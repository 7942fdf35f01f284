import { ActionIds } from '../../../src/blocks/action-ids.js';
import { renderAnsweredQuestion, renderQuestion } from '../../../src/blocks/question.js';
import type { Question } from '../../../src/jobs/kind.js';

const question: Question = {
  id: 'drain-timeout/i-0abc',
  text: 'Node i-0abc still has 2 pods after 10 min (PDB web-pdb allows no disruption).',
  choices: [
    { id: 'wait', label: 'Wait 10 more minutes', style: 'primary' },
    { id: 'skip', label: 'Skip this node' },
    { id: 'force', label: 'Delete the pods', style: 'danger', needsApprover: true },
  ],
};

describe('renderQuestion', () => {
  it('renders one answer button per choice', () => {
    const rendered = renderQuestion('p-1', question);
    expect(rendered).toMatchSnapshot();
    const buttons = rendered.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(buttons.map((b) => ('action_id' in b ? b.action_id : ''))).toEqual([ActionIds.answer, ActionIds.answer, ActionIds.answer]);
    expect(buttons.map((b) => ('value' in b ? JSON.parse(String(b.value)) : undefined))).toEqual([
      { planId: 'p-1', questionId: 'drain-timeout/i-0abc', choice: 'wait' },
      { planId: 'p-1', questionId: 'drain-timeout/i-0abc', choice: 'skip' },
      { planId: 'p-1', questionId: 'drain-timeout/i-0abc', choice: 'force' },
    ]);
  });

  it('refuses a question without choices', () => {
    expect(() => renderQuestion('p-1', { ...question, choices: [] })).toThrow(/choices/);
  });

  it('replaces the buttons with the answer once chosen', () => {
    const answered = renderAnsweredQuestion(question, { choice: 'skip', by: 'U42' });
    expect(answered.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(answered.blocks)).toContain('Skip this node');
    expect(JSON.stringify(answered.blocks)).toContain('<@U42>');
  });
});
