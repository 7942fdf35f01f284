/** Job kind `resize`: grow an EBS-backed PVC (or every claim of a StatefulSet) and watch it to completion. */
import { createHash } from 'node:crypto';
import type { JobKind } from '../kind.js';
import { parseResizeArgs, resizeCommand } from './args.js';
import { fingerprintInputs, observeResize } from './observe.js';
import { planResize } from './plan.js';
import { renderResizePlan } from './render.js';
import { resizeSettingsSchema, type ResizeSettings } from './settings.js';
import { resizeSteps, volumeKey } from './steps.js';
import type { ResizeArgs, ResizeObserved, ResizePlan, ResizeState } from './types.js';

export function summarizeResize(plan: ResizePlan, state: ResizeState, outcome: 'succeeded' | 'failed' | 'cancelled'): string {
  const active = plan.volumes.filter((v) => v.action !== 'none');
  const lines = active.map((v) => {
    const result = state.volumes[volumeKey(v)]?.result;
    if (!result) return `• ${volumeKey(v)}: not finished`;
    const fs = result.filesystem === 'pending-mount' ? ' (filesystem grows when a pod mounts it)' : '';
    return `• ${volumeKey(v)}: PVC ${result.pvcCapacity}${result.pvCapacity ? `, PV ${result.pvCapacity}` : ''}${fs}`;
  });
  const done = active.filter((v) => state.volumes[volumeKey(v)]?.result).length;
  const head =
    outcome === 'succeeded'
      ? `Resized ${done} claim(s) to ${plan.sizeText}.`
      : `Resize ${outcome} after ${done} of ${active.length} claim(s).`;
  const fix = plan.templateFix ? `\nStatefulSet ${plan.templateFix.statefulSet} still templates ${plan.templateFix.currentStorage ?? 'the old size'}: see the plan for the commands.` : '';
  return [head, ...lines].join('\n') + fix;
}

export const resizeKind: JobKind<ResizeArgs, ResizeObserved, ResizePlan, ResizeState, ResizeSettings> = {
  command: resizeCommand,
  mutating: true,
  settingsSchema: resizeSettingsSchema,
  parseArgs: parseResizeArgs,
  isDryRun: (args) => args.dryRun,
  target: (args) => `${args.target.kind === 'selector' ? 'pvcs' : args.target.kind}/${args.namespace}/${args.target.name}`,
  observe: observeResize,
  fingerprint: (observed) => createHash('sha256').update(JSON.stringify(fingerprintInputs(observed))).digest('hex').slice(0, 16),
  plan: planResize,
  renderPlan: renderResizePlan,
  initialState: () => ({ volumes: {} }),
  steps: (plan) => resizeSteps(plan),
  summarize: summarizeResize,
};
