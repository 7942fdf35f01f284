/**
 * `/deckhand cost` end to end: signed slash commands into the real Bolt receiver, the real PricingClient,
 * EC2Client and AutoScalingClient against the sandbox (its Price List catalogue, spot price history and the
 * minimal scenario's group), prices cached in the harness's Redis. Totals are exact sums of the sandbox
 * catalogue's us-east-1 prices (sandbox/src/cloud/price-catalogue.json).
 */
import { PRODUCT_REPORTS } from '../../../src/reports/registry.js';
import type { StoredMessage } from '../../../sandbox/src/slack/web-api.js';
import { CHANNEL, startFoundation, type Harness } from '../../helpers/foundation-harness.js';
import { startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';

const ALICE = 'U0ALICE';
const policy = (settings = '') => `
commands:
  cost: { run: ['${ALICE}']${settings} }
`;

describe('/deckhand cost against the sandbox', () => {
  let env: TestSandbox;
  let h: Harness;
  beforeAll(async () => {
    // A moving clock: a failed AWS call's retry backoff sleeps on it.
    env = await startTestSandbox({ scenario: 'minimal', maxAttempts: 2, speed: 60 });
  });
  afterAll(() => env.stop());
  const start = async (policyYaml = policy()) => {
    // The sandbox's clock: spot history is "the last 24 hours" of the simulated world.
    h = await startFoundation({ kinds: [], reports: PRODUCT_REPORTS, policyYaml, clock: env.clock, clients: env, users: { [ALICE]: { name: 'alice' } } });
  };
  afterEach(async () => {
    await h.stop();
  });

  /** The newest top-level message matching, after `after` earlier ones. */
  const answer = (pattern: RegExp, after = 0) =>
    h.slack.waitFor(() => h.slack.messages(CHANNEL).filter((m) => !m.ephemeralTo && !m.threadTs && pattern.test(m.text))[after], 15_000, `answer ${after + 1} matching ${pattern}`);
  const file = async (parent: StoredMessage) => (await h.slack.waitFor(() => h.slack.thread(CHANNEL, parent.ts).find((m) => m.files?.length)?.files?.[0], 10_000, 'the attached file')).content;
  const pricingCalls = () => env.faults.received.pricing ?? 0;

  it('prices every component kind line by line, one Price List call per product, and none when warm', async () => {
    await start();
    const spec = '3x m6i.large gp3:500:iops=6000:throughput=250 m5.large io2:100:iops=70000 st1:500 2x c5.large sc1:1000 gp2:50 io1:50:iops=1000';
    const before = pricingCalls();
    await h.command(`cost ${spec}`, ALICE);
    const summary = await answer(/Cost estimate for 3 × m6i\.large \+ 1 × m5\.large \+ 2 × c5\.large in us-east-1/);
    // 3 instance types + 6 storage types + IOPS of gp3, io2, io1 + gp3 throughput.
    expect(pricingCalls() - before).toBe(13);
    // 390.24 (m6i item) + 3,833.08 (m5 item) + 306.60 (c5 item)
    expect(summary.text).toContain('$4,529.92 a month on-demand');
    const md = await file(summary);
    for (const row of [
      '| Instance usage (Linux/UNIX, on-demand, m6i.large) | 2,190 | hours | $0.0960 | $210.24 |',
      '| Storage (gp3, 500 GB) | 1,500 | GB-months | $0.0800 | $120.00 |',
      '| Provisioned IOPS (gp3, above 3,000) | 9,000 | IOPS-months | $0.0050 | $45.00 |',
      '| Provisioned throughput (gp3, above 125 MiB/s) | 375 | MiB/s-months | $0.0400 | $15.00 |',
      '| Storage (io2, 100 GB) | 100 | GB-months | $0.1250 | $12.50 |',
      '| Provisioned IOPS (io2), 0–32,000 | 32,000 | IOPS-months | $0.0650 | $2,080.00 |',
      '| Provisioned IOPS (io2), 32,001–64,000 | 32,000 | IOPS-months | $0.0455 | $1,456.00 |',
      '| Provisioned IOPS (io2), above 64,000 | 6,000 | IOPS-months | $0.0320 | $192.00 |',
      '| Storage (st1, 500 GB) | 500 | GB-months | $0.0450 | $22.50 |',
      '| Instance usage (Linux/UNIX, on-demand, c5.large) | 1,460 | hours | $0.0850 | $124.10 |',
      '| Storage (sc1, 1,000 GB) | 2,000 | GB-months | $0.0150 | $30.00 |',
      '| Storage (gp2, 50 GB) | 100 | GB-months | $0.1000 | $10.00 |',
      '| Storage (io1, 50 GB) | 100 | GB-months | $0.1250 | $12.50 |',
      '| Provisioned IOPS (io1) | 2,000 | IOPS-months | $0.0650 | $130.00 |',
      '| **3 × m6i.large** | | | | **$390.24** |',
      '| **1 × m5.large** | | | | **$3,833.08** |',
      '| **2 × c5.large** | | | | **$306.60** |',
      // Instance hours at 0.060 / 0.060 / 0.054 and 0.041 / 0.041 / 0.037, storage unchanged.
      '| 1-yr reserved, no upfront | $4,379.54 |',
      '| 3-yr reserved, no upfront | $4,299.24 |',
    ]) {
      expect(md).toContain(row);
    }
    expect(md).toContain('published 2025-01-01');

    // Warm: the same estimate again reads every price from Redis.
    const warm = pricingCalls();
    await h.command(`cost ${spec}`, ALICE);
    const again = await answer(/Cost estimate for 3 × m6i\.large/, 1);
    expect(again.text).toContain('$4,529.92 a month on-demand');
    expect(pricingCalls()).toBe(warm);
  });

  it('compares with another instance type side by side', async () => {
    await start();
    await h.command('cost 3x m5.large gp3:100 --compare c5.large', ALICE);
    const summary = await answer(/Cost estimate for 3 × m5\.large in us-east-1/);
    expect(JSON.stringify(summary.blocks)).toContain('$234.24 → $210.15 a month (-$24.09)');
    expect(await file(summary)).toContain('| **total** | **$234.24** | **$210.15** | **-$24.09** |');
  });

  it('prices an Auto Scaling group as it runs, with spot prices in its zones', async () => {
    await start();
    await h.command('cost --asg eks-min-workers', ALICE);
    const summary = await answer(/Cost estimate for 3 × m5\.large in us-east-1/);
    // 3 × m5.large and version 2's gp3 root volume: 100 GB, 4,000 IOPS, 250 MiB/s each.
    expect(summary.text).toContain('$264.24 a month on-demand');
    const md = await file(summary);
    expect(md).toContain('Priced from the Auto Scaling group eks-min-workers (eks-min-workers version 2), as it runs now.');
    expect(md).toContain('| Provisioned IOPS (gp3, above 3,000) | 3,000 | IOPS-months | $0.0050 | $15.00 |');
    // The last 24 hours per zone of the group, the price in effect 24 hours ago included; us-east-1d is not the group's.
    expect(md).toMatch(/\| m5\.large \| us-east-1a \| \$0\.0389 \| \$0\.0351–\$0\.0412 \| \$85\.19 \|/);
    expect(md).toMatch(/\| m5\.large \| us-east-1b \| \$0\.0401 \| \$0\.0401–\$0\.0401 \| \$87\.82 \|/);
    expect(md).toMatch(/\| m5\.large \| us-east-1c \| \$0\.0372 \| \$0\.0372–\$0\.0372 \| \$81\.47 \|/);
    expect(md).not.toContain('us-east-1d');
    expect(JSON.stringify(summary.blocks)).toContain('not a quote');
  });

  it('still answers when spot prices cannot be read, saying why', async () => {
    await start();
    env.faults.services.ec2 = { errorRate: 1 };
    try {
      await h.command('cost m5.large --spot', ALICE);
      const summary = await answer(/Cost estimate for 1 × m5\.large in us-east-1/);
      expect(summary.text).toContain('$70.08 a month on-demand');
      expect(JSON.stringify(summary.blocks)).toContain('could not be read: An internal error has occurred');
      expect(await file(summary)).toContain('Spot prices could not be read: An internal error has occurred');
    } finally {
      env.faults.services.ec2 = {};
    }
  });

  it('refuses a product the region does not price, saying where it is listed, and posts nothing', async () => {
    await start();
    await h.command('cost m7i.large --region eu-west-1', ALICE);
    await h.waitForEphemeral(ALICE, /no on-demand Linux price for `m7i\.large` in `eu-west-1`\. It is listed in `us-east-1`: try `--region us-east-1`/);
    await h.command('cost m5.large gp3:100:iops=4000 --region ap-northeast-1', ALICE);
    await h.waitForEphemeral(ALICE, /no provisioned IOPS price for EBS `gp3` in `ap-northeast-1`\. It is listed in `eu-west-1`, `us-east-1`/);
    await h.command('cost m5.large --region sa-east-1', ALICE);
    await h.waitForEphemeral(ALICE, /no on-demand Linux price for `m5\.large` in `sa-east-1`\. It is listed in `ap-northeast-1`, `eu-west-1`, `us-east-1`/);
    await h.command('cost --asg no-such-group', ALICE);
    await h.waitForEphemeral(ALICE, /no Auto Scaling group `no-such-group` in `us-east-1`/);
    expect(h.slack.messages(CHANNEL).filter((m) => !m.ephemeralTo)).toEqual([]);
  });

  it('takes the default region from the settings', async () => {
    await start(policy(", settings: { region: 'eu-west-1' }"));
    await h.command('cost m5.large', ALICE);
    const summary = await answer(/Cost estimate for 1 × m5\.large in eu-west-1/);
    expect(summary.text).toContain('$78.11 a month on-demand');
  });
});
