/** The reports this deckhand offers, next to the job kinds (src/jobs/registry.ts). */
import type { ZodType } from 'zod';
import { BUILTIN_SUBCOMMANDS } from '../config.js';
import { costReport } from './cost/index.js';
import type { ReportKind } from './kind.js';
import { postmortemReport } from './postmortem/index.js';

export const PRODUCT_REPORTS: ReportKind[] = [postmortemReport, costReport];

/** The settings schema of each report that takes settings, for loadConfig. */
export function reportSettingsSchemas(reports: ReadonlyMap<string, ReportKind>): Map<string, ZodType> {
  return new Map([...reports].flatMap(([name, report]) => (report.settingsSchema ? [[name, report.settingsSchema] as const] : [])));
}

/** Reports by subcommand; refuses duplicates and names already taken by a built-in or a job kind. */
export function createReportRegistry(reports: ReportKind[] = PRODUCT_REPORTS, kindNames: Iterable<string> = []): Map<string, ReportKind> {
  const taken = new Set<string>([...BUILTIN_SUBCOMMANDS, ...kindNames]);
  const registry = new Map<string, ReportKind>();
  for (const report of reports) {
    const name = report.command.subcommand;
    if (taken.has(name)) throw new Error(`report ${name} shadows a built-in subcommand or a job kind`);
    if (registry.has(name)) throw new Error(`report ${name} is registered twice`);
    registry.set(name, report);
  }
  return registry;
}
