/**
 * Pure Block Kit view of a resize plan. A StatefulSet with many claims is folded into a summary and an
 * attached CSV, so the message stays under 50 blocks and 3,000 characters per section.
 */
import type { KnownBlock } from '@slack/types';
import { toCsv } from '../../blocks/csv.js';
import { context, section } from '../../blocks/format.js';
import { signedUsd, usd } from '../../money.js';
import type { RenderedPlan } from '../kind.js';
import { formatSize, GiB } from './sizes.js';
import type { ResizePlan, VolumePlan } from './types.js';

const MAX_VOLUME_SECTIONS = 10;

function expansionText(volume: VolumePlan): string {
  if (volume.expansion === 'online') return 'online: the filesystem grows while the pod runs';
  if (volume.expansion === 'when-mounted') return 'no pod uses it: the filesystem grows when a pod mounts it';
  const restartable = volume.pods.every((p) => p.recreated);
  return restartable
    ? 'offline: the pod must be restarted to grow the filesystem (deckhand will offer to evict it)'
    : 'offline: the pod must be restarted to grow the filesystem, and it has no controller to recreate it: restart it yourself';
}

function podsText(volume: VolumePlan): string {
  if (volume.pods.length === 0) return 'none';
  return volume.pods.map((p) => `${p.name} (${p.controller ?? 'bare pod'})`).join(', ');
}

function costText(volume: VolumePlan): string {
  if (volume.pricePerGbMonth === undefined) return 'price unknown';
  const delta = volume.monthlyCostDelta === undefined ? '' : `${signedUsd(volume.monthlyCostDelta)}/month, `;
  return `${delta}${usd(volume.pricePerGbMonth, 3)} per GB-month`;
}

function volumeText(volume: VolumePlan): string {
  const title = `*${volume.namespace}/${volume.pvc}*`;
  if (volume.action === 'none') return `${title}: already ${volume.capacity}, nothing to do`;
  const finishing = volume.action === 'finish' ? ' (already requested: deckhand only watches it finish)' : '';
  return [
    `${title}${finishing}`,
    `• Size: ${volume.capacity} (request ${volume.request}) → *${volume.targetQuantity}* (EBS ${volume.currentGiB} → ${volume.targetGiB} GiB)`,
    `• Volume: \`${volume.volumeId}\` ${volume.volumeType} in ${volume.availabilityZone}, PV ${volume.pv}`,
    `• Pods: ${podsText(volume)}`,
    `• Expansion: ${expansionText(volume)}`,
    `• Cost: ${costText(volume)}`,
  ].join('\n');
}

function targetName(plan: ResizePlan): string {
  if (plan.target.kind === 'selector') return `claims in ${plan.namespace} labelled ${plan.target.name}`;
  return plan.target.kind === 'pvc' ? `${plan.namespace}/${plan.target.name}` : `StatefulSet ${plan.namespace}/${plan.target.name}`;
}

export function resizeSummary(plan: ResizePlan): string {
  const active = plan.volumes.filter((v) => v.action !== 'none');
  const cost = plan.monthlyCostDelta === undefined ? '' : `, ${signedUsd(plan.monthlyCostDelta)}/month`;
  if (plan.target.kind === 'pvc' && active.length === 1) {
    const v = active[0]!;
    return `Resize ${targetName(plan)} ${v.capacity} → ${v.targetQuantity} (${v.volumeType}, ${v.expansion})${cost}`;
  }
  return `Resize ${targetName(plan)}: ${active.length} of ${plan.volumes.length} claim(s) to ${plan.sizeText}${cost}`;
}

export function volumesCsv(plan: ResizePlan): string {
  const rows = [['namespace', 'pvc', 'pv', 'volume_id', 'type', 'zone', 'capacity', 'request', 'target', 'action', 'expansion', 'pods', 'monthly_cost_delta_usd']];
  for (const v of plan.volumes) {
    rows.push([v.namespace, v.pvc, v.pv, v.volumeId, v.volumeType, v.availabilityZone, v.capacity, v.request, v.targetQuantity, v.action, v.expansion, v.pods.map((p) => p.name).join(' '), v.monthlyCostDelta?.toFixed(2) ?? '']);
  }
  return toCsv(rows);
}

export function renderResizePlan(plan: ResizePlan): RenderedPlan {
  const blocks: KnownBlock[] = [section(`*${resizeSummary(plan)}*\nEach claim is patched (\`spec.resources.requests.storage\` only, never the PV) and watched until its capacity matches${plan.volumes.length > 1 ? ', one at a time' : ''}.`)];
  const files: RenderedPlan['files'] = [];
  const shown = plan.volumes.slice(0, MAX_VOLUME_SECTIONS);
  for (const volume of shown) blocks.push(section(volumeText(volume)));
  if (plan.volumes.length > shown.length) {
    const grow = plan.volumes.reduce((sum, v) => sum + (v.action === 'resize' ? v.targetBytes - v.currentGiB * GiB : 0), 0);
    blocks.push(context(`… and ${plan.volumes.length - shown.length} more claim(s) (${formatSize(Math.max(0, grow))} added in total): see the attached CSV.`));
    files.push({ filename: `resize-${plan.namespace}-${plan.target.name.replace(/[^A-Za-z0-9.-]+/g, '-')}.csv`, title: 'Claims to resize', content: volumesCsv(plan) });
  }
  if (plan.templateFix) {
    const fix = plan.templateFix;
    blocks.push(
      section(
        `:warning: StatefulSet *${fix.statefulSet}* will still say ${fix.currentStorage ?? 'the old size'} in its volumeClaimTemplate "${fix.template}" (it cannot be edited in place), so new replicas get the old size. To fix it:\n\`\`\`${fix.commands.join('\n')}\`\`\``,
      ),
    );
  }
  if (plan.monthlyCostDelta !== undefined) blocks.push(context(`Monthly cost change: ${signedUsd(plan.monthlyCostDelta)} (EBS list price in ${plan.region})`));
  return files.length > 0 ? { summary: resizeSummary(plan), blocks, files } : { summary: resizeSummary(plan), blocks };
}
