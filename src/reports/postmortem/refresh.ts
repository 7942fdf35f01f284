/**
 * Re-running a postmortem keeps every human edit. The template delimits what deckhand generates:
 *
 *   <!-- deckhand:begin timeline -->  …generated…  <!-- deckhand:end timeline -->
 *
 * `sealBlocks` stamps each begin marker with a hash of the block as generated. On a refresh, `refreshDraft`
 * takes the document as people left it: text outside blocks is theirs and stays as it is; a block whose
 * text still matches its stamp is replaced by the new version; a block someone edited is kept, and the new
 * version is offered right after it as a `<name>.proposed` block (replacing an older proposal). Pure.
 */
import { createHash } from 'node:crypto';

const BLOCK = /<!-- deckhand:begin ([a-z0-9.-]+)(?: sha=([0-9a-f]+))? -->\n([\s\S]*?)<!-- deckhand:end \1 -->\n?/g;
const PROPOSED = '.proposed';

/** Whitespace-insensitive at line ends and block edges: editors (and canvases) re-flow those. */
function hashOf(body: string): string {
  const normalized = body
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
  return createHash('sha256').update(normalized).digest('hex').slice(0, 12);
}

function block(name: string, body: string): string {
  return `<!-- deckhand:begin ${name} sha=${hashOf(body)} -->\n${body}<!-- deckhand:end ${name} -->\n`;
}

/** Stamps every generated block of a freshly rendered draft with the hash of its text. */
export function sealBlocks(markdown: string): string {
  return markdown.replace(BLOCK, (_m, name: string, _sha, body: string) => block(name, body));
}

export interface Refreshed {
  markdown: string;
  /** Blocks a human edited: kept, with the new version proposed beside them. */
  kept: string[];
  /** Blocks replaced by their new version. */
  refreshed: string[];
}

/**
 * Undefined when `previous` has no deckhand blocks at all (not a draft of ours, or its markers were lost):
 * the caller must not overwrite it.
 */
export function refreshDraft(previous: string, fresh: string): Refreshed | undefined {
  const next = new Map<string, string>();
  for (const [, name, , body] of fresh.matchAll(BLOCK)) next.set(name!, body!);
  if (![...previous.matchAll(BLOCK)].some(([, name]) => !name!.endsWith(PROPOSED))) return undefined;

  const kept: string[] = [];
  const refreshed: string[] = [];
  const seen = new Set<string>();
  const markdown = previous.replace(BLOCK, (whole, name: string, sha: string | undefined, body: string) => {
    // Old proposals are dropped: a kept block gets a current one below.
    if (name.endsWith(PROPOSED)) return '';
    seen.add(name);
    const update = next.get(name);
    if (update === undefined) return whole;
    // Untouched since deckhand wrote it (or edited into exactly the new text): take the new version.
    if ((sha !== undefined && hashOf(body) === sha) || hashOf(body) === hashOf(update)) {
      refreshed.push(name);
      return block(name, update);
    }
    kept.push(name);
    const note = `> deckhand's refreshed \`${name}\` (your edited version above is kept; merge what you want, then delete this block):\n\n`;
    return `${whole}${block(`${name}${PROPOSED}`, `${note}${update}`)}`;
  });
  // Blocks new to the template since the last run go at the end.
  const added = [...next].filter(([name]) => !seen.has(name));
  const tail = added.map(([name, body]) => block(name, body)).join('\n');
  return { markdown: tail ? `${markdown.trimEnd()}\n\n${tail}` : markdown, kept, refreshed };
}
