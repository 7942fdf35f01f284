/**
 * The sandbox's people and policy, and what the banner says each may do — derived from the policy in force
 * with the product's own Authorizer (user groups read from the Slack stand-in as the bot reads them), so the
 * banner cannot promise what deckhand refuses.
 */
import { WebClient } from '@slack/web-api';
import { loadConfig, type Config } from '../../../src/config.js';
import { Authorizer, UserGroups } from '../../../src/bot/policy.js';
import { createRegistry } from '../../../src/jobs/registry.js';
import { createReportRegistry, reportSettingsSchemas } from '../../../src/reports/registry.js';

export const PEOPLE = {
  alice: { id: 'U0ALICE', title: 'SRE' },
  bob: { id: 'U0BOB', title: 'SRE lead' },
  dave: { id: 'U0DAVE', title: 'SRE lead' },
  carol: { id: 'U0CAROL', title: 'developer' },
} as const;
export type PersonName = keyof typeof PEOPLE;

/** Two leads: a PTR cleanup past `maxDeletesPerRun` needs a second approver, and the requester never counts. */
export const USERGROUPS = { sre: ['U0ALICE', 'U0BOB', 'U0DAVE'], 'sre-leads': ['U0BOB', 'U0DAVE'] };

/** Policy for the sandbox: the SREs request, the leads approve, carol (in no group) only reads. */
export const SANDBOX_POLICY = `# written by deckhand sandbox
planExpiry: 30m
commands:
  rollout: { run: ["@sre"], approve: ["@sre-leads"] }
  ptr-cleanup: { run: ["@sre"], approve: ["@sre-leads"] }
  resize: { run: ["@sre"], approve: ["@sre-leads"] }
  postmortem: { run: ["@sre"] }
  cost: { run: ["*"] }
`;

/** What the banner suggests alice tries (each `/deckhand …`). */
export const SUGGESTED_COMMANDS = [
  'help',
  'rollout eks-prod-workers --dry-run',
  'rollout eks-prod-workers',
  'ptr-cleanup',
  'resize data/redis-data-redis-ha-0 20Gi',
  'postmortem #incident-2026-01-05 --title "Checkout latency"',
  'cost 6x m5.large gp3:100:iops=4000 --compare m6i.large',
  'cost --asg eks-prod-workers',
  'jobs',
];

export interface Rights {
  run: string[];
  approve: string[];
}

/** The deckhand config as the bot in this environment loads it (its policy file, its subcommands). */
export function loadSandboxConfig(env: NodeJS.ProcessEnv): Config {
  const kinds = createRegistry();
  const reports = createReportRegistry(undefined, kinds.keys());
  return loadConfig(env, { kinds, reports: reports.keys(), reportSettings: reportSettingsSchemas(reports) });
}

/** Each person's rights under `config`'s policy, as deckhand decides them. */
export async function rightsOf(config: Config): Promise<Record<PersonName, Rights>> {
  const client = new WebClient(config.slack.botToken, config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {});
  const authorizer = new Authorizer(config.policy, new UserGroups(client));
  const subcommands = Object.keys(config.policy.commands);
  const entries = await Promise.all(
    (Object.keys(PEOPLE) as PersonName[]).map(async (name) => {
      const id = PEOPLE[name].id;
      const run: string[] = [];
      const approve: string[] = [];
      for (const sub of subcommands) {
        if (await authorizer.mayRun(id, sub)) run.push(sub);
        if (await authorizer.mayApprove(id, sub)) approve.push(sub);
      }
      return [name, { run, approve }] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<PersonName, Rights>;
}

/** What `name` may do, for the terminal's banner and the console's user switcher. */
export function describePerson(name: PersonName, rights: Record<PersonName, Rights>): string {
  const { run, approve } = rights[name];
  return `${PEOPLE[name].title}: may run ${run.join(', ') || 'nothing'}; may approve ${approve.join(', ') || 'nothing'}`;
}
