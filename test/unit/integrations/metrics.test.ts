/**
 * The metrics registry against what operators read: the README's table lists exactly the registry's
 * `deckhand_*` metrics with their types and labels, and the shipped alert rules use only metrics that exist.
 * Plus the one gauge computed from the clock: runs over their estimate; and how Slack answers are counted.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { createMetrics } from '../../../src/integrations/metrics.js';
import { until } from '../../helpers/until.js';

function readmeTable(): Map<string, { type: string; labels: string[] }> {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n## Metrics\n'), readme.indexOf('\n## ', readme.indexOf('\n## Metrics\n') + 1));
  const rows = [...section.matchAll(/^\| `(deckhand_\w+)` \| (\w+) \| ([^|]*) \|/gm)];
  return new Map(rows.map((row) => [row[1]!, { type: row[2]!, labels: [...row[3]!.matchAll(/`(\w+)`/g)].map((l) => l[1]!).sort() }]));
}

function registered(): Map<string, { type: string; labels: string[] }> {
  const metrics = createMetrics({ now: () => 0, sleep: async () => undefined });
  const all = metrics.registry.getMetricsAsArray() as unknown as { name: string; type: string; labelNames: string[] }[];
  return new Map(all.filter((m) => m.name.startsWith('deckhand_')).map((m) => [m.name, { type: m.type, labels: [...m.labelNames].sort() }]));
}

describe('metrics registry', () => {
  it('is what the README lists: every deckhand_ metric with its type and labels', () => {
    const documented = readmeTable();
    expect(documented.size).toBeGreaterThan(10);
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(registered()));
  });

  it('names metrics as Prometheus does: counters end in _total, durations are histograms in _seconds', () => {
    for (const [name, { type }] of registered()) {
      expect([name, name.endsWith('_total')]).toEqual([name, type === 'counter']);
      if (name.includes('duration')) expect([name, type]).toEqual([expect.stringMatching(/_seconds$/), 'histogram']);
    }
  });

  it('has every metric the shipped alert rules use', () => {
    const rules = parseYaml(readFileSync('deploy/prometheus/alerts.yaml', 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const exprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(4);
    const names = registered();
    for (const expr of exprs) {
      for (const [used] of expr.matchAll(/deckhand_\w+/g)) expect([used, names.has(used.replace(/_(bucket|count|sum)$/, ''))]).toEqual([used, true]);
    }
  });

  it('counts a run as over its estimate once the clock passes it, and forgets it when it ends', async () => {
    let now = 1_000_000;
    const metrics = createMetrics({ now: () => now, sleep: async () => undefined });
    const gauge = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.kind === 'rollout')?.value;
    const ended = metrics.runStarted('rollout', now, 600);
    metrics.runStarted('ptr-cleanup', now, undefined);
    now += 600_000;
    expect(await gauge('deckhand_jobs_over_estimate')).toBeUndefined();
    now += 1;
    expect(await gauge('deckhand_jobs_over_estimate')).toBe(1);
    expect(await gauge('deckhand_jobs_running')).toBe(1);
    ended();
    expect(await gauge('deckhand_jobs_over_estimate')).toBeUndefined();
    expect(await gauge('deckhand_jobs_running')).toBeUndefined();
  });
});

describe('Slack call outcomes (slackFetch)', () => {
  const metrics = createMetrics({ now: () => 0, sleep: async () => undefined });
  const slackFetch = metrics.slackFetch();
  const padding = 'x'.repeat(64 * 1024); // well over what is parsed whole
  let server: Server;
  let baseUrl: string;
  let heldHistory: ServerResponse | undefined;
  const answers: Record<string, string> = {
    '/api/conversations.info': '{"ok":true,"channel":{"id":"C1"}}',
    '/api/chat.postMessage': '{"error":"channel_not_found","ok":false}', // small: parsed, wherever `ok` is
    '/api/conversations.members': `{"ok":false,"error":"ratelimited_page","pad":"${padding}"}`, // big: judged by its start
    '/upload/abc123': 'OK - 12',
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url !== '/api/conversations.history') return res.end(answers[req.url!]);
      // A big page whose end is held back until the test releases it.
      res.write(`{"ok":true,"messages":[{"text":"${padding}"}`);
      heldHistory = res;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise((resolve) => server.close(resolve)));

  const count = async (operation: string, outcome: string) =>
    (await metrics.registry.getSingleMetric('deckhand_api_calls_total')!.get()).values.find((v) => v.labels.operation === operation && v.labels.outcome === outcome)?.value;

  it.each([
    ['conversations.info', 'ok'],
    ['chat.postMessage', 'client_error'],
    ['conversations.members', 'client_error'],
  ])('counts %s as %s, and the caller reads the whole answer', async (operation, outcome) => {
    const response = await slackFetch(`${baseUrl}/api/${operation}`, { method: 'POST' });
    expect(await response.text()).toBe(answers[`/api/${operation}`]);
    expect(await until(`${operation} counted`, () => count(operation, outcome), 10_000)).toBe(1);
  });

  it('counts an upload that answers plain text as ok', async () => {
    expect(await (await slackFetch(`${baseUrl}/upload/abc123`, { method: 'POST', body: 'data' })).text()).toBe('OK - 12');
    expect(await until('the upload counted', () => count('upload', 'ok'), 10_000)).toBe(1);
  });

  it('counts a big answer from its start, before the rest of it has even arrived', async () => {
    const response = await slackFetch(`${baseUrl}/api/conversations.history`, { method: 'POST' });
    expect(await until('the page counted', () => count('conversations.history', 'ok'), 10_000)).toBe(1);
    heldHistory!.end(']}');
    const page = (await response.json()) as { ok: boolean; messages: { text: string }[] };
    expect(page.ok).toBe(true);
    expect(page.messages[0]!.text).toBe(padding);
  });
});
