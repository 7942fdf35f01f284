import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config.js';
import type { ReportKind } from '../../../src/reports/kind.js';
import { createReportRegistry, PRODUCT_REPORTS, reportSettingsSchemas } from '../../../src/reports/registry.js';

const env = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
const named = (subcommand: string): ReportKind => ({ ...PRODUCT_REPORTS[0]!, command: { ...PRODUCT_REPORTS[0]!.command, subcommand } });

describe('report registry', () => {
  it('offers postmortem and cost', () => {
    expect([...createReportRegistry().keys()]).toEqual(['postmortem', 'cost']);
  });

  it('refuses duplicates and names taken by built-ins or job kinds', () => {
    expect(() => createReportRegistry([named('x'), named('x')])).toThrow(/registered twice/);
    expect(() => createReportRegistry([named('help')])).toThrow(/shadows/);
    expect(() => createReportRegistry([named('rollout')], ['rollout'])).toThrow(/shadows/);
  });
});

describe('config for reports', () => {
  it('accepts report subcommands as policy keys; without them they are unknown', () => {
    const yaml = 'commands:\n  postmortem: { run: ["@sre"] }\n  cost: { run: "*" }\n';
    const config = loadConfig({ ...env, DECKHAND_CONFIG: '/p.yml' }, { reports: ['postmortem', 'cost'], readFile: () => yaml });
    expect(config.policy.commands.postmortem?.run).toEqual(['@sre']);
    expect(config.policy.commands.cost?.run).toEqual(['*']);
    expect(() => loadConfig({ ...env, DECKHAND_CONFIG: '/p.yml' }, { readFile: () => yaml })).toThrow(/policy\.commands\.postmortem: unknown subcommand/);
  });

  it("parses a report's settings with its schema: defaults when absent, one line per problem", () => {
    const options = { reports: ['postmortem', 'cost'], reportSettings: reportSettingsSchemas(createReportRegistry()) };
    const load = (yaml: string) => loadConfig({ ...env, DECKHAND_CONFIG: '/p.yml' }, { ...options, readFile: () => yaml });
    expect(load('commands:\n  postmortem: { run: "*", settings: { timelineReactions: [":timeline:"] } }\n').policy.commands.postmortem?.settings).toEqual({
      timelineReactions: ['timeline'],
      alertBots: ['PagerDuty', 'Alertmanager', 'Datadog', 'Opsgenie', 'Grafana'],
    });
    expect(load('{}').policy.commands.postmortem?.settings).toMatchObject({ timelineReactions: ['pushpin', 'round_pushpin', 'timeline'] });
    expect(() => load('commands:\n  postmortem: { run: "*", settings: { alertbots: [x] } }\n')).toThrow(/policy\.commands\.postmortem\.settings\.alertbots: unknown key \(did you mean alertBots\?\)/);
    expect(load('commands:\n  cost: { run: "*", settings: { region: eu-west-1 } }\n').policy.commands.cost?.settings).toEqual({ region: 'eu-west-1' });
    expect(() => load('commands:\n  cost: { run: "*", settings: { x: 1 } }\n')).toThrow(/policy\.commands\.cost\.settings\.x: unknown key; valid keys: region/);
    expect(() => load('commands:\n  cost: { run: "*", settings: { region: mars } }\n')).toThrow(/policy\.commands\.cost\.settings\.region: a region code such as eu-west-1/);
  });

  it('reads DECKHAND_TEMPLATES_DIR and refuses one that is not a directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dh-tpl-'));
    try {
      expect(loadConfig({ ...env, DECKHAND_TEMPLATES_DIR: dir }).templatesDir).toBe(dir);
      expect(loadConfig(env).templatesDir).toBeUndefined();
      let error: unknown;
      try {
        loadConfig({ ...env, DECKHAND_TEMPLATES_DIR: join(dir, 'missing') });
      } catch (e) {
        error = e;
      }
      expect((error as ConfigError).problems).toEqual([`DECKHAND_TEMPLATES_DIR: ${join(dir, 'missing')} is not a directory`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
