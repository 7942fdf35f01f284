/**
 * A job kind that lives in the test tree and proves the foundation (not a product feature).
 *
 * `/deckhand fixture <name> [--steps N] [--delay-ms N] [--fail-step step-K] [--fail-kind transient|refusal]
 *  [--fail-times N] [--ask-step step-K] [--cleanup-fails N] [--dry-run]`
 *
 * - N steps named `step-1`..`step-N`; each appends its id to the Redis list `runsKey(planId)` when it
 *   completes, so tests count executions across attempts, workers and processes.
 * - `--delay-ms` makes every step wait that long on the injected clock (honouring the abort signal).
 * - `--fail-step` makes that step throw a TransientError or RefusalError `--fail-times` times (default 1;
 *   counted in Redis, so retries in another process see the count).
 * - `--ask-step` makes that step ask a question (`continue` / `stop`); `stop` refuses the run.
 * - cleanup appends a line to `cleanupKey(name)`; with `--cleanup-fails N` its first N attempts leave their part
 *   undone (counted in Redis) and append `cleanup left (attempt K)` instead.
 * - The target is `fixture/<name>`; a name starting with `refuse` makes the planner refuse; `--steps 0`
 *   plans nothing. Observation reads `observedKey(name)` (default "1") so a test can change the
 *   fingerprint between plan and approval.
 */
import { z } from 'zod';
import { RefusalError, TransientError, UsageError } from '../../src/errors.js';
import type { RedisClient } from '../../src/integrations/redis/connections.js';
import type { JobKind, RawCommand, Step, StepContext } from '../../src/jobs/kind.js';

export interface FixtureArgs {
  name: string;
  steps: number;
  delayMs: number;
  failStep?: string;
  failKind: 'transient' | 'refusal';
  failTimes: number;
  askStep?: string;
  cleanupFails: number;
  dryRun: boolean;
}

export interface FixtureObserved {
  name: string;
  version: string;
}

export interface FixturePlan {
  name: string;
  steps: string[];
  delayMs: number;
  failStep?: string;
  failKind: 'transient' | 'refusal';
  failTimes: number;
  askStep?: string;
  cleanupFails: number;
}

export interface FixtureState {
  completed: string[];
}

export const fixtureSettingsSchema = z.object({ maxSteps: z.number().int().positive().default(20) }).strict();
export type FixtureSettings = z.output<typeof fixtureSettingsSchema>;

export interface FixtureKeys {
  runsKey(planId: string): string;
  /** Cleanup has no plan id in its context: it records under the fixture's name (unique per test). */
  cleanupKey(name: string): string;
  observedKey(name: string): string;
}

export function fixtureKeys(prefix: string): FixtureKeys {
  return {
    runsKey: (planId) => `${prefix}:fixture:${planId}:runs`,
    cleanupKey: (name) => `${prefix}:fixture:${name}:cleanup`,
    observedKey: (name) => `${prefix}:fixture:observed:${name}`,
  };
}

function intFlag(raw: RawCommand, name: string, fallback: number, max: number): number {
  const value = raw.flags[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) > max) {
    throw new UsageError(`--${name} must be a whole number from 0 to ${max}`);
  }
  return Number(value);
}

function stringFlag(raw: RawCommand, name: string): string | undefined {
  const value = raw.flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`--${name} needs one value`);
  return value;
}

export function createFixtureKind(redis: RedisClient, prefix: string): JobKind<FixtureArgs, FixtureObserved, FixturePlan, FixtureState, FixtureSettings> {
  const keys = fixtureKeys(prefix);

  const step = (id: string): Step<FixturePlan, FixtureState> => ({
    id,
    title: `Fixture ${id}`,
    async run(ctx: StepContext<FixturePlan, FixtureState>) {
      const { plan, state } = ctx;
      if (plan.delayMs > 0) await ctx.clock.sleep(plan.delayMs, ctx.signal);
      if (plan.failStep === id) {
        const failures = await redis.incr(`${prefix}:fixture:${ctx.planId}:fault:${id}`);
        if (failures <= plan.failTimes) {
          if (plan.failKind === 'refusal') throw new RefusalError(`${id} refuses on purpose`);
          throw new TransientError(`${id} failed on purpose (failure ${failures})`);
        }
      }
      if (plan.askStep === id) {
        const choice = await ctx.ask({
          id: `confirm-${id}`,
          text: `Continue after ${id}?`,
          choices: [
            { id: 'continue', label: 'Continue', style: 'primary' },
            { id: 'stop', label: 'Stop', style: 'danger', needsApprover: true },
          ],
        });
        if (choice === 'stop') throw new RefusalError(`stopped at ${id} by the answer`);
      }
      await ctx.audit('fixture.step', { step: id });
      await redis.rpush(keys.runsKey(ctx.planId), id);
      if (!state.completed.includes(id)) state.completed.push(id);
      ctx.progress.status({ 'Steps done': `${state.completed.length} of ${plan.steps.length}`, Last: id });
      await ctx.progress.milestone(`${id} done`);
    },
  });

  return {
    command: {
      subcommand: 'fixture',
      summary: 'Test-only job kind: runs N numbered steps',
      usage: '/deckhand fixture <name> [--steps N] [--delay-ms N] [--fail-step step-K] [--fail-kind transient|refusal] [--fail-times N] [--ask-step step-K] [--cleanup-fails N] [--dry-run]',
      example: '/deckhand fixture demo --steps 3',
      flags: [
        { name: 'steps', type: 'string', description: 'How many steps (default 3)' },
        { name: 'delay-ms', type: 'string', description: 'Clock time each step waits' },
        { name: 'fail-step', type: 'string', description: 'Step that fails' },
        { name: 'fail-kind', type: 'string', description: 'transient or refusal' },
        { name: 'fail-times', type: 'string', description: 'How many times it fails (default 1)' },
        { name: 'ask-step', type: 'string', description: 'Step that asks a question' },
        { name: 'cleanup-fails', type: 'string', description: 'How many cleanup attempts leave their part undone' },
        { name: 'dry-run', type: 'bool', description: 'Only show the plan' },
      ],
    },
    mutating: true,
    settingsSchema: fixtureSettingsSchema,
    parseArgs(raw) {
      const [name, ...extra] = raw.positionals;
      if (!name) throw new UsageError('missing <name>');
      if (extra.length > 0) throw new UsageError(`unexpected argument \`${extra[0]}\``);
      if (!/^[a-z0-9-]{1,40}$/.test(name)) throw new UsageError('<name> must be 1-40 lowercase letters, digits or dashes');
      const failKind = stringFlag(raw, 'fail-kind') ?? 'transient';
      if (failKind !== 'transient' && failKind !== 'refusal') throw new UsageError('--fail-kind must be transient or refusal');
      return {
        name,
        steps: intFlag(raw, 'steps', 3, 100),
        delayMs: intFlag(raw, 'delay-ms', 0, 3_600_000),
        failStep: stringFlag(raw, 'fail-step'),
        failKind,
        failTimes: intFlag(raw, 'fail-times', 1, 100),
        askStep: stringFlag(raw, 'ask-step'),
        cleanupFails: intFlag(raw, 'cleanup-fails', 0, 100),
        dryRun: raw.flags['dry-run'] === true,
      };
    },
    isDryRun: (args) => args.dryRun,
    target: (args) => `fixture/${args.name}`,
    async observe(_ctx, args) {
      return { name: args.name, version: (await redis.get(keys.observedKey(args.name))) ?? '1' };
    },
    fingerprint: (observed) => `${observed.name}@${observed.version}`,
    plan(observed, args, _now, { maxSteps }) {
      if (observed.name.startsWith('refuse')) return { kind: 'refusal', reason: `fixture ${observed.name} refuses to plan` };
      if (args.steps > maxSteps) return { kind: 'refusal', reason: `${args.steps} steps is more than the ${maxSteps} allowed by policy` };
      const steps = Array.from({ length: args.steps }, (_, i) => `step-${i + 1}`);
      const plan: FixturePlan = { name: args.name, steps, delayMs: args.delayMs, failStep: args.failStep, failKind: args.failKind, failTimes: args.failTimes, askStep: args.askStep, cleanupFails: args.cleanupFails };
      return steps.length === 0 ? { kind: 'plan', plan, empty: true, emptyReason: 'nothing to do: 0 steps' } : { kind: 'plan', plan, empty: false };
    },
    renderPlan(plan) {
      return {
        summary: `Run ${plan.steps.length} fixture step${plan.steps.length === 1 ? '' : 's'} on fixture/${plan.name}`,
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: plan.steps.map((s) => `• ${s}`).join('\n') || 'Nothing to do.' } }],
      };
    },
    initialState: () => ({ completed: [] }),
    steps: (plan) => plan.steps.map(step),
    async cleanup(ctx) {
      const attempt = await redis.incr(`${keys.cleanupKey(ctx.plan.name)}:attempts`);
      if (attempt <= ctx.plan.cleanupFails) {
        await redis.rpush(keys.cleanupKey(ctx.plan.name), `cleanup left (attempt ${attempt})`);
        return { done: [], left: [`undo fixture/${ctx.plan.name} (failed on purpose, attempt ${attempt})`] };
      }
      await redis.rpush(keys.cleanupKey(ctx.plan.name), `cleanup after ${ctx.state.completed.length} steps`);
      return { done: [`undid fixture/${ctx.plan.name}`], left: [] };
    },
    summarize(plan, state, outcome) {
      return `Fixture ${plan.name} ${outcome}: ${state.completed.length} of ${plan.steps.length} steps completed.`;
    },
  };
}

