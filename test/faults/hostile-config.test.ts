/**
 * A policy with a misspelt key, or a command listed without `run:`, stops the real process at start-up
 * (issue 16 item 5): a typo must never leave a protection off, nor open a command to everyone.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '../helpers/main-process.js';

const POLICY = `
channels: [C0OPS]
comands: {}
commands:
  ptr-cleanup:
    run: ['@sre']
    approve: ['@sre-leads']
    settings:
      protectedCidr: ['10.0.0.0/24']
      maxDeletePerRun: 100
  rollout:
    approve: ['@sre-leads']
    selfAprove: true
  rolout:
    run: '*'
`;

describe('policy typos stop start-up', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'deckhand-policy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names each unknown key with the nearest valid one, and a listed command without `run:`', async () => {
    const path = join(dir, 'policy.yml');
    writeFileSync(path, POLICY);
    const { child, out, err } = runMain(['bot'], {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
      SLACK_SIGNING_SECRET: 'signing-secret',
      REDIS_URL: 'redis://127.0.0.1:1',
      DECKHAND_CONFIG: path,
    });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(out()).toBe('');
    const lines = err().trim().split('\n');
    expect(lines[0]).toBe('deckhand: invalid configuration');
    expect(lines.slice(1)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}- policy\.comands: unknown key \(did you mean commands\?\)/),
        expect.stringMatching(/^ {2}- policy\.commands\.ptr-cleanup\.settings\.protectedCidr: unknown key \(did you mean protectedCidrs\?\)/),
        expect.stringMatching(/^ {2}- policy\.commands\.ptr-cleanup\.settings\.maxDeletePerRun: unknown key \(did you mean maxDeletesPerRun\?\)/),
        expect.stringMatching(/^ {2}- policy\.commands\.rollout\.selfAprove: unknown key \(did you mean selfApprove\?\)/),
        expect.stringMatching(/^ {2}- policy\.commands\.rolout: unknown subcommand \(did you mean rollout\?\)/),
      ]),
    );
    const started = await new Promise<string>((resolve) => {
      writeFileSync(path, POLICY.replace(/^comands.*\n/m, '').replace('protectedCidr:', 'protectedCidrs:').replace('maxDeletePerRun', 'maxDeletesPerRun').replace('selfAprove', 'selfApprove').replace(/ {2}rolout:\n.*\n/, ''));
      const second = runMain(['bot'], { PATH: process.env.PATH, SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 's', REDIS_URL: 'redis://127.0.0.1:1', DECKHAND_CONFIG: path });
      second.child.on('exit', () => resolve(second.err()));
    });
    expect(started.trim().split('\n').slice(1)).toEqual([expect.stringMatching(/^ {2}- policy\.commands\.rollout\.run: is required when rollout is listed/)]);
  });
});
