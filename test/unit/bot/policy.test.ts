import type { WebClient } from '@slack/web-api';
import { Authorizer, UserGroups } from '../../../src/bot/policy.js';
import { loadConfig } from '../../../src/config.js';

function fakeClient(groups: Record<string, { id: string; users: string[] }>) {
  const calls = { list: 0, users: 0 };
  const client = {
    usergroups: {
      list: async () => {
        calls.list++;
        return { ok: true, usergroups: Object.entries(groups).map(([handle, g]) => ({ id: g.id, handle })) };
      },
      users: {
        list: async ({ usergroup }: { usergroup: string }) => {
          calls.users++;
          return { ok: true, users: Object.values(groups).find((g) => g.id === usergroup)?.users ?? [] };
        },
      },
    },
  } as unknown as WebClient;
  return { client, calls };
}

const policyYaml = `
channels: [C0OPS]
commands:
  help: { run: '*', channels: [C0OPS] }
  jobs: { run: [U0ALICE, '@sre'], approve: ['@sre'] }
`;

describe('Authorizer', () => {
  const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', DECKHAND_CONFIG: 'p.yml' }, { readFile: () => policyYaml });

  it('matches user ids, group handles and *', async () => {
    const { client } = fakeClient({ sre: { id: 'S01', users: ['U0BOB'] } });
    const auth = new Authorizer(config.policy, new UserGroups(client));
    expect(await auth.mayRun('U0ALICE', 'jobs')).toBe(true);
    expect(await auth.mayRun('U0BOB', 'jobs')).toBe(true);
    expect(await auth.mayRun('U0EVE', 'jobs')).toBe(false);
    expect(await auth.mayApprove('U0BOB', 'jobs')).toBe(true);
    expect(await auth.mayApprove('U0ALICE', 'jobs')).toBe(false);
    expect(await auth.mayRun('U0EVE', 'help')).toBe(true);
    expect(await auth.mayApprove('U0EVE', 'help')).toBe(false);
  });

  it('a burst of checks makes one call of each kind (single flight), and a failure is not cached', async () => {
    const { client, calls } = fakeClient({ sre: { id: 'S01', users: ['U0BOB'] } });
    const auth = new Authorizer(config.policy, new UserGroups(client));
    expect(await Promise.all(Array.from({ length: 20 }, () => auth.mayRun('U0BOB', 'jobs')))).toEqual(Array(20).fill(true));
    expect(calls).toEqual({ list: 1, users: 1 });

    let failing = true;
    const flaky = {
      usergroups: {
        list: async () => {
          if (failing) throw Object.assign(new Error('An API error occurred: internal_error'), { data: { error: 'internal_error' } });
          return { ok: true, usergroups: [{ id: 'S01', handle: 'sre' }] };
        },
        users: { list: async () => ({ ok: true, users: ['U0BOB'] }) },
      },
    } as unknown as WebClient;
    const flakyAuth = new Authorizer(config.policy, new UserGroups(flaky));
    await expect(flakyAuth.mayRun('U0BOB', 'jobs')).rejects.toThrow('could not check your Slack user groups (usergroups.list: internal_error)');
    failing = false;
    expect(await flakyAuth.mayRun('U0BOB', 'jobs')).toBe(true);
  });

  it('caches group lookups for half a minute', async () => {
    let now = 0;
    const { client, calls } = fakeClient({ sre: { id: 'S01', users: ['U0BOB'] } });
    const auth = new Authorizer(config.policy, new UserGroups(client, () => now));
    await auth.mayRun('U0BOB', 'jobs');
    await auth.mayRun('U0CAROL', 'jobs');
    expect(calls).toEqual({ list: 1, users: 1 });
    now = 31_000;
    await auth.mayRun('U0BOB', 'jobs');
    expect(calls).toEqual({ list: 2, users: 2 });
  });

  it('an unknown handle matches nobody', async () => {
    const { client } = fakeClient({});
    const auth = new Authorizer(config.policy, new UserGroups(client));
    expect(await auth.mayApprove('U0BOB', 'jobs')).toBe(false);
  });

  it('explains channel refusals from the global and per-command lists', () => {
    const auth = new Authorizer(config.policy, new UserGroups(fakeClient({}).client));
    expect(auth.channelRefusal('help', 'C0OPS')).toBeUndefined();
    expect(auth.channelRefusal('help', 'C0ELSE')).toMatch(/not enabled in this channel. Use it in <#C0OPS>/);
  });
});
