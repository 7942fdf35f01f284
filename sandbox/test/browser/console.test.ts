/**
 * The web console in headless Chromium against the real bot: every command and click goes to deckhand as Slack's
 * signed requests, and what the page shows is what the bot posted to the Slack stand-in. One sandbox for the file;
 * the tests run in order and share its world (the Pause/Cancel run ends before the full rollout starts).
 * `CONSOLE_SCREENSHOT=docs/console.png` saves the finished rollout as the README's picture.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDeckhand } from '../../../src/runtime.js';
import { startConsole } from '../../src/console/server.js';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { overHttp } from '../../src/slack/to-bot.js';
import { testRedis } from '../../../test/helpers/redis-prefix.js';

const OPS = 'C0OPS';
const INCIDENT = 'C0INCIDENT';
const USERS = [
  { id: 'U0ALICE', name: 'alice', note: 'SRE: may request every change' },
  { id: 'U0BOB', name: 'bob', note: 'SRE lead: may approve' },
  { id: 'U0CAROL', name: 'carol', note: 'developer: read-only' },
];
const POLICY = `planExpiry: 30m
commands:
  rollout: { run: ["@sre"], approve: ["@sre-leads"] }
  postmortem: { run: ["@sre"] }
`;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Real time for a whole rollout at the speed the test sets (the virtual clock fast-forwards the waits). */
const RUN_MS = 90_000;

let sandbox: Sandbox;
let deckhand: Awaited<ReturnType<typeof startDeckhand>>;
let web: Awaited<ReturnType<typeof startConsole>>;
let browser: Browser;
let page: Page;
let redis: ReturnType<typeof testRedis>;
let policyDir: string;
const addedEnv: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({
    speed: 60,
    redis: true,
    accessLogFile: null,
    slack: {
      users: Object.fromEntries(USERS.map((u) => [u.id, { name: u.name }])),
      usergroups: { sre: ['U0ALICE', 'U0BOB'], 'sre-leads': ['U0BOB'] },
      channels: { [OPS]: 'ops', [INCIDENT]: 'incident-2026-01-05', G0SRE: 'sre-private' },
    },
  });
  policyDir = mkdtempSync(join(tmpdir(), 'deckhand-console-'));
  writeFileSync(join(policyDir, 'policy.yaml'), POLICY);
  redis = testRedis('console');
  // The bot's AWS SDK clients read their endpoints from process.env.
  for (const key of Object.keys(sandbox.env).filter((k) => k.startsWith('AWS_ENDPOINT_URL_') && process.env[k] === undefined)) {
    process.env[key] = sandbox.env[key];
    addedEnv.push(key);
  }
  deckhand = await startDeckhand('all', {
    env: { ...sandbox.env, PORT: '0', DECKHAND_REDIS_PREFIX: redis.prefix, DECKHAND_CONFIG: join(policyDir, 'policy.yaml'), LOG_LEVEL: 'silent' },
    clock: sandbox.clock,
  });
  const toBot = overHttp(`http://127.0.0.1:${deckhand.port}`, sandbox.env.SLACK_SIGNING_SECRET!);
  web = await startConsole({ sandbox, toBot, users: USERS, channels: { [OPS]: 'ops', [INCIDENT]: 'incident-2026-01-05', G0SRE: 'sre-private' } });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  page.setDefaultTimeout(30_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await deckhand?.stop();
  await redis?.close();
  await sandbox?.stop();
  rmSync(policyDir, { recursive: true, force: true });
  for (const key of addedEnv) delete process.env[key];
});

beforeEach(async () => {
  await page.goto(web.url);
  await setSpeed(60);
});

async function as(user: string): Promise<void> {
  await page.getByLabel('You are').selectOption({ label: user });
}

async function openChannel(name: string): Promise<void> {
  await page.locator('#channels').getByRole('button', { name }).click();
}

async function type(text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
}

async function setSpeed(speed: number): Promise<void> {
  await page.getByLabel('Clock speed').selectOption(String(speed));
}

/** The newest message (top level or in a thread) whose text contains `text`. */
function message(text: string | RegExp) {
  return page.locator('article.message').filter({ hasText: text }).last();
}

/** Plan messages have their buttons in the message itself; thread replies are nested, so look only at the own body. */
function ownButton(article: ReturnType<typeof message>, name: string) {
  return article.locator(':scope > .actions').getByRole('button', { name, exact: true });
}

describe('the web console', () => {
  it('shows a bad command its usage error, to its user only', async () => {
    await as('alice');
    await type('/deckhand rollout eks-prod-workers --bogus');
    const error = message('Unknown flag');
    await expect(error.textContent()).resolves.toContain('Only visible to you');
    await as('bob');
    await expect(page.locator('article.message', { hasText: 'Unknown flag' }).count()).resolves.toBe(0);
  });

  it('says an unknown slash command is not one, and sends nothing to the bot', async () => {
    await as('alice');
    const before = sandbox.slack.messages(OPS).length;
    await type('/deploy everything');
    await page.getByRole('alert').filter({ hasText: '/deploy is not a valid command' }).waitFor();
    expect(sandbox.slack.messages(OPS)).toHaveLength(before);
  });

  it('shows markup in a message and in the bot\'s echo of a command as text, never as HTML', async () => {
    await as('alice');
    const markup = '<img src=x onerror="window.pwned=1"><b>bold</b>';
    await type(markup);
    await message('bold').waitFor();
    const answered = await page.locator('article.message.ephemeral').count();
    await type(`/deckhand rollout ${markup}`);
    await page.waitForFunction((n) => document.querySelectorAll('article.message.ephemeral').length > n, answered);
    await expect(page.locator('#messages img, #messages b:text-is("bold")').count()).resolves.toBe(0);
    await expect(page.locator('#messages').textContent()).resolves.toContain('<b>bold</b>');
    await expect(page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).resolves.toBeUndefined();
  });

  it('lets an approver reject a plan, and the plan says so', async () => {
    await as('alice');
    await type('/deckhand rollout eks-prod-workers');
    const plan = message('Plan: rollout asg/eks-prod-workers');
    await ownButton(plan, 'Reject').waitFor();
    await as('bob');
    await ownButton(plan, 'Reject').click();
    await page.locator('article.message', { hasText: 'Rejected' }).first().waitFor();
    await expect(ownButton(page.locator('article.message', { hasText: 'Rejected' }).first(), 'Approve').count()).resolves.toBe(0);
    // The plan's thread carries the pods on the outdated nodes as a CSV file: it opens as a table.
    await plan.locator('button.file', { hasText: 'Pods on the' }).click();
    const file = page.getByRole('dialog', { name: 'File' });
    await file.locator('table th').first().waitFor();
    await expect(file.locator('table tr').count()).resolves.toBeGreaterThan(1);
    await file.getByRole('button', { name: 'Close file' }).click();
  });

  it('pauses, then cancels, a canary rollout from its status card after the canary question is answered', async () => {
    await as('alice');
    await type('/deckhand rollout eks-prod-workers --canary');
    const plan = message(/Plan: rollout asg\/eks-prod-workers.*Waiting for approval/s);
    await as('bob');
    await ownButton(plan, 'Approve').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    // At 60× the second wave takes seconds of real time: long enough to reach Pause while it runs.
    const question = message('Canary node replaced');
    await ownButton(question, 'Continue').click({ timeout: RUN_MS });
    await page.locator('article.message', { hasText: 'chosen by @bob' }).first().waitFor();
    // The status card is older than the question: its buttons stay reachable.
    const card = page.locator('article.message').filter({ has: page.locator(':scope > .actions button', { hasText: 'Pause' }) }).first();
    await ownButton(card, 'Pause').click();
    await page.locator('article.message', { hasText: /Paused/ }).first().waitFor();
    const paused = page.locator('article.message').filter({ has: page.locator(':scope > .actions button', { hasText: 'Cancel' }) }).first();
    await ownButton(paused, 'Cancel').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel run' }).click();
    await page.locator('article.message', { hasText: /Cancelled/ }).first().waitFor({ timeout: RUN_MS });
  }, 180_000);

  it('runs a rollout approved by another user to done, and the side panel shows only new nodes', async () => {
    await as('alice');
    await type('/deckhand rollout eks-prod-workers');
    const plan = message(/Plan: rollout asg\/eks-prod-workers.*Waiting for approval/s);
    await ownButton(plan, 'Approve').waitFor();
    // The requester cannot approve their own plan: the bot says so to alice only.
    await ownButton(plan, 'Approve').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await page.locator('article.message.ephemeral').last().waitFor();
    await as('bob');
    await ownButton(plan, 'Approve').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await setSpeed(600);
    // Done: the status card and the run's closing message in the thread.
    await page.locator('article.message', { hasText: 'Succeeded' }).first().waitFor({ timeout: RUN_MS });
    await message(/Rollout of eks-prod-workers to version 2 succeeded: \d+\/\d+ node\(s\) replaced/).waitFor({ timeout: RUN_MS });
    // ...and the plan message itself (its own blocks, not its thread) says so.
    await page.waitForFunction(
      () => {
        const plans = [...document.querySelectorAll('#messages > article.message')].filter((a) => a.querySelector(':scope > .block-header')?.textContent?.startsWith('Plan: rollout'));
        return [...(plans.at(-1)?.children ?? [])].some((child) => !child.classList.contains('replies') && child.textContent?.includes('Succeeded'));
      },
      undefined,
      { timeout: RUN_MS },
    );
    const workers = page.locator('#nodes .node[data-group="eks-prod-workers"]');
    await page.waitForFunction(() => document.querySelectorAll('#nodes .node[data-group="eks-prod-workers"].old').length === 0, undefined, { timeout: RUN_MS });
    await expect(workers.count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('#nodes .node.old').count()).resolves.toBe(0);
    if (process.env.CONSOLE_SCREENSHOT) {
      await page.mouse.move(0, 0);
      await page.screenshot({ path: process.env.CONSOLE_SCREENSHOT });
    }
  }, 180_000);

  it('stages an incident (messages, a pin, a reaction), runs postmortem on it and opens the draft', async () => {
    await as('alice');
    await openChannel('incident-2026-01-05');
    await type('checkout-api 502s since the deploy, looking');
    await as('bob');
    await type('Rolled back checkout-api to v41; errors gone');
    const rollback = message('Rolled back checkout-api');
    await rollback.hover();
    await rollback.getByRole('button', { name: 'Pin' }).click();
    await rollback.hover();
    await rollback.getByRole('button', { name: 'React white_check_mark' }).click();
    await rollback.getByRole('button', { name: 'white_check_mark 1' }).waitFor();
    const staged = sandbox.slack.messages(INCIDENT).find((m) => m.text.startsWith('Rolled back'))!;
    expect(staged).toMatchObject({ pinned: true, reactions: { white_check_mark: ['U0BOB'] } });

    await type('/deckhand postmortem --title "Checkout 502s"');
    const canvas = page.getByRole('button', { name: /Canvas: / });
    const file = page.locator('button.file', { hasText: 'Postmortem' });
    await canvas.or(file).first().waitFor({ timeout: RUN_MS });
    await canvas.or(file).first().click();
    const draft = page.getByRole('dialog', { name: 'File' });
    await draft.getByText('Rolled back checkout-api').first().waitFor();
    await expect(draft.locator('h1, h2').first().textContent()).resolves.toBeTruthy();
  }, 120_000);
});
