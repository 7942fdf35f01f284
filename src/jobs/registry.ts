/**
 * The job kinds this deckhand offers. Each product kind (rollout, PTR cleanup, volume resize) is
 * added with one import line and one entry below.
 */
import { BUILTIN_SUBCOMMANDS } from '../config.js';
import type { JobKind } from './kind.js';
import { resizeKind } from './volume-resize/index.js';
import { rolloutKind } from './rollout/index.js';
import { ptrCleanupKind } from './ptr-cleanup/index.js';

export const PRODUCT_KINDS: JobKind[] = [resizeKind, rolloutKind, ptrCleanupKind];

/** Kinds by subcommand; refuses duplicates and names that shadow a built-in subcommand. */
export function createRegistry(kinds: JobKind[] = PRODUCT_KINDS): Map<string, JobKind> {
  const registry = new Map<string, JobKind>();
  for (const kind of kinds) {
    const name = kind.command.subcommand;
    if ((BUILTIN_SUBCOMMANDS as readonly string[]).includes(name)) throw new Error(`job kind ${name} shadows a built-in subcommand`);
    if (registry.has(name)) throw new Error(`job kind ${name} is registered twice`);
    registry.set(name, kind);
  }
  return registry;
}
