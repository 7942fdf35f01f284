/**
 * Keeps a report's Slack reads within a method tier: a short burst goes out at once (Slack tolerates
 * bursts), then requests are spaced evenly. 429s are still handled by the WebClient's retry config.
 */
import type { Clock } from '../../integrations/clock.js';

export class TierPacer {
  private sent = 0;
  private nextSlot = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly perMinute: number,
    private readonly burst: number,
  ) {}

  async take(): Promise<void> {
    this.sent += 1;
    if (this.sent <= this.burst) return;
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 60_000 / this.perMinute;
    if (slot > now) await this.clock.sleep(slot - now);
  }
}

/** Slack's documented tiers, requests a minute. */
export const TIER_2 = 20;
export const TIER_3 = 50;
