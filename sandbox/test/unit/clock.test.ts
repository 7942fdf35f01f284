/**
 * The virtual clock in speed mode is discrete-event: it stands still while an actor is busy and never runs
 * past a timer, so a virtual duration is the simulated world's, whatever the speed and the machine's load.
 */
import { VirtualClock } from '../../src/clock.js';

const START = Date.parse('2026-01-05T09:00:00Z');

/** Resolves once `check` holds, polling in real time (the clock runs on its own ticker). */
async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('VirtualClock in speed mode', () => {
  let clock: VirtualClock;
  afterEach(() => clock.stop());

  it('fires each timer at exactly its virtual time, even at a speed that would overshoot it by hours', async () => {
    clock = new VirtualClock(START, 1_000_000);
    const seen: number[] = [];
    for (const seconds of [40, 55, 70]) clock.after(seconds * 1000, () => seen.push(clock.now() - START));
    // Someone waits past them (deckhand polling for a node), so the clock fast-forwards through them.
    const sleeper = clock.sleep(80_000);
    await until(() => seen.length === 3, 'three timers');
    expect(seen).toEqual([40_000, 55_000, 70_000]);
    await sleeper;
  });

  it('stands still while an actor holds it, and moves on once every hold is released', async () => {
    clock = new VirtualClock(START, 1000);
    const release = clock.hold();
    const other = clock.hold();
    await new Promise((r) => setTimeout(r, 100));
    expect(clock.now()).toBe(START);
    release();
    release(); // twice is harmless: the other hold still counts
    await new Promise((r) => setTimeout(r, 100));
    expect(clock.now()).toBe(START);
    other();
    await until(() => clock.now() > START, 'time to move');
  });

  it('runs at real time while nobody sleeps: a plan waiting for a person, a question open, the world idle', async () => {
    clock = new VirtualClock(START, 1_000_000);
    // The world's own timer (an instance record that vanishes an hour after termination) is no reason to hurry.
    let vanished = false;
    clock.after(3_600_000, () => (vanished = true));
    const realStart = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    await until(() => clock.now() > START, 'time to move at all');
    expect(clock.now() - START).toBeLessThanOrEqual(Date.now() - realStart);
    expect(vanished).toBe(false);
    // Once someone sleeps (a drain's retry), time jumps through the world's timers to the sleep's end.
    await clock.sleep(2 * 3_600_000);
    expect(vanished).toBe(true);
    expect(clock.now() - START).toBeGreaterThanOrEqual(2 * 3_600_000);
  });

  it('wakes a sleeper at its time, and the next sleep it takes counts from there', async () => {
    clock = new VirtualClock(START, 100_000);
    const wakes: number[] = [];
    const sleeper = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(5000);
        wakes.push(clock.now() - START);
      }
    })();
    await sleeper;
    expect(wakes).toEqual([5000, 10_000, 15_000]);
  });
});
