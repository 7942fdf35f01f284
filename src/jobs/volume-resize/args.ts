/**
 * `/deckhand resize <namespace>/<pvc> <size>`, `/deckhand resize <namespace>/statefulset/<name> <size>` and
 * `/deckhand resize <namespace> <size> --selector key=value[,key=value]`.
 */
import { UsageError } from '../../errors.js';
import type { CommandSpec, RawCommand } from '../kind.js';
import { parseSizeRequest } from './sizes.js';
import type { ResizeArgs } from './types.js';

export const resizeCommand: CommandSpec = {
  subcommand: 'resize',
  summary: 'Grow an EBS-backed PersistentVolumeClaim (or every claim of a StatefulSet) and watch it until the filesystem has the new size',
  usage:
    '/deckhand resize <namespace>/<pvc> <size> | <namespace>/statefulset/<name> <size> | <namespace> <size> --selector key=value[,key=value] [--dry-run]   (size: 20Gi, 512Mi, 1Ti or +50%)',
  example: '/deckhand resize data/pgdata-postgres-0 30Gi',
  flags: [
    { name: 'selector', type: 'string', description: 'every claim of the namespace with these labels, one at a time (e.g. app=es,tier=data)' },
    { name: 'dry-run', type: 'bool', description: 'Only show the plan' },
  ],
};

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** A label key (optional DNS prefix) and value, as Kubernetes allows them; equality only. */
const LABEL = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?=([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function checkSelector(text: string | boolean | string[] | undefined): string {
  const selector = typeof text === 'string' ? text.trim() : '';
  if (!selector || !selector.split(',').every((term) => LABEL.test(term))) {
    throw new UsageError(`"${typeof text === 'string' ? text : ''}" is not a label selector: use key=value, several joined by commas (app=es,tier=data).`, resizeCommand.example);
  }
  return selector;
}

function checkName(what: string, name: string | undefined): string {
  if (!name || !NAME.test(name)) throw new UsageError(`"${name ?? ''}" is not a valid ${what} name.`, resizeCommand.example);
  return name;
}

export function parseResizeArgs(raw: RawCommand): ResizeArgs {
  const [targetText, sizeText, ...extra] = raw.positionals;
  if (!targetText || !sizeText || extra.length > 0) {
    throw new UsageError(`Expected a target and a size: ${resizeCommand.usage}`, resizeCommand.example);
  }
  const parts = targetText.split('/');
  let target: ResizeArgs['target'];
  if (raw.flags.selector !== undefined) {
    if (parts.length !== 1) throw new UsageError(`With --selector the target is a namespace, not "${targetText}".`, resizeCommand.example);
    target = { kind: 'selector', name: checkSelector(raw.flags.selector) };
  } else if (parts.length === 2) target = { kind: 'pvc', name: checkName('PersistentVolumeClaim', parts[1]) };
  else if (parts.length === 3 && (parts[1] === 'statefulset' || parts[1] === 'sts')) target = { kind: 'statefulset', name: checkName('StatefulSet', parts[2]) };
  else throw new UsageError(`"${targetText}" is not <namespace>/<pvc> or <namespace>/statefulset/<name>.`, resizeCommand.example);
  const size = parseSizeRequest(sizeText);
  if (!size) {
    throw new UsageError(`"${sizeText}" is not a size: use a whole number with Ki, Mi, Gi or Ti (e.g. 20Gi), or a growth like +50%.`, resizeCommand.example);
  }
  return { namespace: checkName('namespace', parts[0]), target, size, sizeText, dryRun: raw.flags['dry-run'] === true };
}
