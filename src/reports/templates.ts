/**
 * Where report templates come from: the bundled `templates/` directory, or a file of the same name in
 * the operator's override directory (`DECKHAND_TEMPLATES_DIR`), which wins. Files are read on every
 * report so an edited template takes effect without a restart; reports are rare, the files small.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTemplate, type TemplateView } from './template.js';

const here = dirname(fileURLToPath(import.meta.url));
/** `templates/` sits at the repository (or image) root: two levels up from src/reports, three from dist/src/reports. */
export const BUNDLED_TEMPLATES_DIR = [resolve(here, '../../templates'), resolve(here, '../../../templates')].find((dir) => existsSync(dir)) ?? resolve(here, '../../templates');

export interface Templates {
  /** Renders `name` (e.g. `postmortem.md`) with the view; throws TemplateError on a malformed or mismatched template. */
  render(name: string, view: TemplateView): Promise<string>;
}

export function createTemplates(overrideDir?: string, bundledDir = BUNDLED_TEMPLATES_DIR): Templates {
  const pathOf = (name: string) => {
    if (overrideDir) {
      const override = join(overrideDir, name);
      if (existsSync(override)) return override;
    }
    return join(bundledDir, name);
  };
  return {
    async render(name, view) {
      const path = pathOf(name);
      return renderTemplate(await readFile(path, 'utf8'), view, path);
    },
  };
}
