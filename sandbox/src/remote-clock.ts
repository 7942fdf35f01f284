/**
 * A worker or bot running in another process than the sandbox follows the sandbox's virtual clock:
 * it reads the clock once (`GET /clock` on the control server) and extrapolates with the speed factor.
 * Only speed mode can be followed this way; manual mode is for in-process tests.
 */
import type { Clock } from '../../src/integrations/clock.js';
import { systemClock } from '../../src/integrations/clock.js';

export async function followSandboxClock(controlUrl: string): Promise<Clock> {
  const response = await fetch(new URL('clock', controlUrl));
  if (!response.ok) throw new Error(`sandbox clock at ${controlUrl} answered ${response.status}`);
  const { now, speed } = (await response.json()) as { now: number; speed: number };
  if (!(speed > 0)) throw new Error('the sandbox clock is in manual mode; a separate process can only follow a running clock');
  const realStart = Date.now();
  return {
    now: () => now + (Date.now() - realStart) * speed,
    sleep: (ms, signal) => systemClock.sleep(ms / speed, signal),
  };
}
