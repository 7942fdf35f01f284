/**
 * Pure Block Kit view of a rollout plan. Long lists (per-node pods) are folded into a summary and
 * an attached CSV, so the message stays under 50 blocks and 3,000 characters per section.
 */
import type { KnownBlock } from '@slack/types';
import { toCsv } from '../../blocks/csv.js';
import { context, section } from '../../blocks/format.js';
import { signedUsd } from '../../money.js';
import { formatDuration } from '../../time.js';
import type { RenderedPlan } from '../kind.js';
import type { CostChange, RolloutPlan } from './types.js';

const MAX_NODE_SECTIONS = 12;
const MAX_RISK_LINES = 25;
/** Ends a list cut to fit a section: every pod and node is in the attached CSV. */
const MORE_IN_CSV = '\n… (more in the attached CSV)';

function outdatedByAz(plan: RolloutPlan): string {
  const byAz = new Map<string, string[]>();
  for (const node of plan.nodes) {
    const list = byAz.get(node.availabilityZone) ?? [];
    list.push(node.nodeName ? `${node.instanceId} (${node.nodeName})` : `${node.instanceId} (no node)`);
    byAz.set(node.availabilityZone, list);
  }
  return [...byAz.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([az, ids]) => `• *${az}* (${ids.length}): ${ids.join(', ')}`)
    .join('\n');
}

function wavesText(plan: RolloutPlan): string {
  const az = new Map(plan.nodes.map((n) => [n.instanceId, n.availabilityZone]));
  return plan.waves
    .map((w, i) => {
      const zones = new Map<string, number>();
      for (const id of w.instanceIds) zones.set(az.get(id)!, (zones.get(az.get(id)!) ?? 0) + 1);
      const spread = [...zones.entries()].sort().map(([z, n]) => `${z} ×${n}`).join(', ');
      const label = w.canary ? ' (canary, then pause for Continue)' : '';
      return `${w.index}. ${w.instanceIds.length} node(s): ${spread} — ~${formatDuration((plan.estimate.waveSeconds[i] ?? 0) * 1000)}${label}`;
    })
    .join('\n');
}

function nodeText(plan: RolloutPlan, index: number): string {
  const node = plan.nodes[index]!;
  const moving = node.pods.filter((p) => !p.daemonSet);
  const lines = moving.map((p) => {
    const owner = p.controller ? `${p.controller.kind} ${p.controller.name}` : 'bare pod';
    const extra = [p.procedure ? `${p.procedure}${p.redisRole ? ` ${p.redisRole}` : ''}` : '', p.pdbs.length ? `PDB ${p.pdbs.join(', ')}` : '']
      .filter(Boolean)
      .join('; ');
    return `• ${p.namespace}/${p.name} ← ${owner}${extra ? ` (${extra})` : ''}`;
  });
  const daemons = node.pods.length - moving.length;
  return `*${node.nodeName ?? node.instanceId}* (${node.instanceId}, ${node.availabilityZone}): ${moving.length} pod(s) to evict, ${daemons} DaemonSet pod(s) stay\n${lines.join('\n')}`;
}

export function podsCsv(plan: RolloutPlan): string {
  const rows = [['instance', 'node', 'zone', 'namespace', 'pod', 'controller', 'daemonset', 'pdbs', 'procedure', 'role', 'emptyDir']];
  for (const node of plan.nodes) {
    for (const p of node.pods) {
      rows.push([node.instanceId, node.nodeName ?? '', node.availabilityZone, p.namespace, p.name, p.controller ? `${p.controller.kind}/${p.controller.name}` : '', String(p.daemonSet), p.pdbs.join(' '), p.procedure ?? '', p.redisRole ?? '', String(p.hasEmptyDir)]);
    }
  }
  return toCsv(rows);
}

/** `m5.large → c5.large on 6 node(s): -$48.18/month on-demand (us-east-1 list price)`, or why it is unknown (never $0). */
export function costChangeText(c: CostChange): string {
  const what = `${c.change} on ${c.count} node(s)`;
  if (c.monthlyDelta === undefined) return `${what}: cost change unknown (${c.unknown ?? 'not priced'})`;
  return `${what}: ${signedUsd(c.monthlyDelta)}/month on-demand (${c.region} list price)`;
}

export function renderRolloutPlan(plan: RolloutPlan): RenderedPlan {
  const count = plan.nodes.length;
  const summary =
    count === 0
      ? `Rollout ${plan.group}: already up to date (version ${plan.target.version})`
      : `Rollout ${plan.group}: replace ${count} node(s) with launch template version ${plan.target.version} (${plan.target.imageId}) in ${plan.waves.length} wave(s), ~${formatDuration(plan.estimate.totalSeconds * 1000)}`;
  const blocks: KnownBlock[] = [section(`*${summary}*`)];
  if (count === 0) return { summary, blocks };

  const podTotal = plan.nodes.reduce((sum, n) => sum + n.pods.filter((p) => !p.daemonSet).length, 0);
  blocks.push(
    section(
      [
        `*Target:* ${plan.target.launchTemplateId} version ${plan.target.version} (${plan.target.imageId}); group configured with version ${plan.target.groupVersion}`,
        ...(plan.costChange ? [`*Cost:* ${costChangeText(plan.costChange)}`] : []),
        `*Surge:* ${plan.surge} node(s) per wave; MaxSize ${plan.original.max} → ${plan.temporaryMaxSize} during the run (desired ${plan.original.desired})`,
        `*Max unavailable:* ${plan.maxUnavailable} · *Drain timeout:* ${formatDuration(plan.drainTimeoutMs)} · *Node Ready timeout:* ${formatDuration(plan.nodeReadyTimeoutMs)}`,
        `*Old nodes:* taint \`${plan.taintKey}:NoSchedule\`${plan.cordon ? ' + cordon' : ''}${plan.excludeFromLbLabel ? ', label out of external load balancers' : ''}; cluster-autoscaler: ${plan.autoscalerMode === 'annotate' ? 'scale-down-disabled annotation' : 'scaled to 0 and restored'}; AZRebalance suspended`,
      ].join('\n'),
    ),
    section(`*Outdated instances by AZ*\n${outdatedByAz(plan)}`, MORE_IN_CSV),
    section(`*Waves*\n${wavesText(plan)}`, MORE_IN_CSV),
  );
  const risks = plan.risks.length
    ? plan.risks.slice(0, MAX_RISK_LINES).map((r) => `• *${r.kind}* ${r.subject}: ${r.detail}`).join('\n') +
      (plan.risks.length > MAX_RISK_LINES ? `\n… and ${plan.risks.length - MAX_RISK_LINES} more` : '')
    : 'none found';
  blocks.push(section(`*Risks*\n${risks}`));
  blocks.push({ type: 'divider' });
  const shown = Math.min(plan.nodes.length, MAX_NODE_SECTIONS);
  for (let i = 0; i < shown; i++) blocks.push(section(nodeText(plan, i), MORE_IN_CSV));
  if (plan.nodes.length > shown) blocks.push(section(`… and ${plan.nodes.length - shown} more node(s): every pod is in the attached CSV`));
  blocks.push(
    context(
      `${podTotal} pod(s) to move. Predicted ${formatDuration(plan.estimate.totalSeconds * 1000)}; model: ${plan.estimate.model}\n` +
        `The prediction rests on: ${plan.estimate.basis.join('; ')}`,
    ),
  );
  return {
    summary,
    blocks,
    files: [{ filename: `rollout-${plan.group}-pods.csv`, title: `Pods on the ${count} outdated node(s)`, content: podsCsv(plan) }],
  };
}
