/**
 * `npm run bench -- estimate`: the rollout planner's predicted duration against the virtual duration of the run,
 * on the default, minimal and bench-50 sandbox scenarios. Each scenario runs twice on one sandbox: first to the
 * group's configured version with no history (the estimate rests on the stated defaults), then back to the
 * previous version, when the estimate rests on the first run's launches, Node Ready times and pod starts.
 * Target: every ratio actual / predicted within 1 ± 0.15. Not a timed test: the sandbox clock is discrete-event,
 * so virtual durations do not depend on this machine's load.
 */
import { formatDuration } from '../src/time.js';
import { startSandbox, type ScenarioData } from '../sandbox/src/index.js';
import { BENCH_50, BENCH_GROUP, benchScenario } from '../sandbox/src/scenarios/bench-50/scenario.js';
import { runRollout, type RolloutRun } from './rollout.js';

const TOLERANCE = 0.15;
const SCENARIOS: { name: string; scenario: string | ScenarioData; group: string }[] = [
  { name: 'default', scenario: 'default', group: 'eks-prod-workers' },
  { name: 'minimal', scenario: 'minimal', group: 'eks-min-workers' },
  { name: 'bench-50', scenario: benchScenario(BENCH_50), group: BENCH_GROUP },
];

function line(label: string, run: RolloutRun): { text: string; within: boolean } {
  const ratio = run.seconds / run.predicted;
  const within = Math.abs(ratio - 1) <= TOLERANCE;
  const text = `${label.padEnd(30)} predicted ${formatDuration(run.predicted * 1000).padStart(7)}  actual ${formatDuration(run.seconds * 1000).padStart(7)}  ratio ${ratio.toFixed(2)} ${within ? 'ok' : 'OUTSIDE ±15%'}  (${(run.realMs / 1000).toFixed(1)} s real)`;
  return { text, within };
}

export async function run(): Promise<void> {
  const speed = Number(process.env.BENCH_SPEED ?? 50);
  let allWithin = true;
  for (const { name, scenario, group } of SCENARIOS) {
    const sandbox = await startSandbox({ scenario, accessLogFile: null });
    try {
      const first = await runRollout(sandbox, { group, canary: false, dryRun: false }, speed);
      const fresh = line(`${name}: no history`, first);
      console.log(fresh.text);
      // Let the terminated instances go, so the next plan sees the group as it settled.
      await sandbox.clock.advance(120_000);
      const back = first.plan.rollbackVersion;
      if (!back) throw new Error(`${name}: the first run left no version to roll back to`);
      const second = await runRollout(sandbox, { group, to: back, canary: false, dryRun: false }, speed);
      const learned = line(`${name}: from history`, second);
      console.log(learned.text);
      console.log(`  rests on: ${second.plan.estimate.basis.slice(0, 2).join('; ')}`);
      allWithin &&= fresh.within && learned.within;
    } finally {
      await sandbox.stop();
    }
  }
  console.log(`target: every run within ±${TOLERANCE * 100}% of its prediction: ${allWithin ? 'met' : 'NOT met'}`);
}
