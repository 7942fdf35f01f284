/**
 * The import rules of docs/ARCHITECTURE.md, enforced by `npm run lint`:
 * the product never imports the sandbox, tests or benchmarks; dependencies point bot → jobs → integrations;
 * no circles anywhere.
 */
const ENTRY_POINTS = '^src/(main|serve|runtime)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle of imports hides which module owns a concern: move the shared piece down.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'product-not-to-sandbox',
      severity: 'error',
      comment: 'The product ships without the sandbox, tests and benchmarks: they depend on it, never the reverse.',
      from: { path: '^src/' },
      to: { path: '^(sandbox|test|bench)/' },
    },
    {
      name: 'integrations-at-the-bottom',
      severity: 'error',
      comment: 'src/integrations are ports over SDKs: they know nothing of Slack handlers, jobs, reports or Block Kit.',
      from: { path: '^src/integrations/' },
      to: { path: ['^src/(bot|jobs|reports|blocks)/', ENTRY_POINTS] },
    },
    {
      name: 'jobs-not-to-bot',
      severity: 'error',
      comment: 'bot → jobs → integrations: a job never reaches back into the Slack app.',
      from: { path: '^src/jobs/' },
      to: { path: ['^src/(bot|reports)/', ENTRY_POINTS] },
    },
    {
      name: 'reports-not-to-bot',
      severity: 'error',
      comment: 'Reports are called by the bot, never the reverse.',
      from: { path: '^src/reports/' },
      to: { path: ['^src/bot/', ENTRY_POINTS] },
    },
    {
      name: 'blocks-are-leaves',
      severity: 'error',
      comment: 'Block Kit builders are pure functions of view models: no Slack app, no jobs runtime.',
      from: { path: '^src/blocks/' },
      to: { path: ['^src/(bot|reports)/', ENTRY_POINTS], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-entry-points-compose',
      severity: 'error',
      comment: 'Only the composition root builds the whole process.',
      from: { path: '^src/', pathNot: ENTRY_POINTS },
      to: { path: ENTRY_POINTS },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.json'] },
  },
};
