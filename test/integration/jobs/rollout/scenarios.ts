/** Sandbox scenarios the Redis rollout tests share. */
import { readScenario } from '../../../../sandbox/src/index.js';

/** The default scenario with grace periods cut to 10 s, so pods (and their real Redis) move quickly. */
export function shortGraceScenario() {
  const raw = readScenario('default');
  for (const w of raw.kubernetes.workloads as { terminationGracePeriodSeconds?: number }[]) if ((w.terminationGracePeriodSeconds ?? 30) > 10) w.terminationGracePeriodSeconds = 10;
  return raw;
}
