/**
 * Where the draft lands: the drafted channel's canvas where the workspace allows canvases, otherwise a
 * Markdown file in the summary's thread. A second run refreshes the canvas in place (refresh.ts keeps every
 * human edit); a channel canvas that is not a deckhand draft is never overwritten (fail closed: the draft
 * comes as a file, and the summary says why).
 */
import type { WebClient } from '@slack/web-api';
import { slackErrorCode } from './gather.js';
import { refreshDraft } from './refresh.js';

export type Landing =
  | { kind: 'canvas'; canvasId: string; created: boolean; kept: string[] }
  | { kind: 'file'; reason: string };

/** Errors that mean "no canvases here" (plan, admin setting, or an install without the canvas scopes). */
const NO_CANVASES: Record<string, string> = {
  canvas_disabled_user_team: 'canvases are turned off in this workspace',
  team_tier_cannot_create_channel_canvases: "this workspace's plan has no channel canvases",
  missing_scope: 'the app was installed without the canvases:read and canvases:write scopes',
};

/** Runs a canvas call; a "no canvases here" error becomes the reason to fall back to a file. */
async function orNoCanvases<T>(call: () => Promise<T>): Promise<T | { noCanvas: string }> {
  try {
    return await call();
  } catch (error) {
    const reason = NO_CANVASES[slackErrorCode(error) ?? ''];
    if (reason) return { noCanvas: reason };
    throw error;
  }
}

const isFallback = (value: unknown): value is { noCanvas: string } => typeof value === 'object' && value !== null && 'noCanvas' in value;

export async function landOnCanvas(slack: WebClient, channelId: string, title: string, markdown: string): Promise<Landing> {
  const info = await slack.conversations.info({ channel: channelId });
  const existing = (info.channel as { properties?: { canvas?: { file_id?: string } } } | undefined)?.properties?.canvas?.file_id;
  if (existing) {
    // canvases.getContent is newer than this @slack/web-api's typed methods.
    const read = await orNoCanvases(() => slack.apiCall('canvases.getContent', { canvas_id: existing, content_type: 'markdown' }));
    if (isFallback(read)) return { kind: 'file', reason: read.noCanvas };
    const refreshed = refreshDraft(String((read as { content?: unknown }).content ?? ''), markdown);
    if (!refreshed) return { kind: 'file', reason: "the channel's canvas is not a deckhand draft, so it was left alone" };
    const edited = await orNoCanvases(() =>
      slack.canvases.edit({ canvas_id: existing, changes: [{ operation: 'replace', document_content: { type: 'markdown', markdown: refreshed.markdown } }] }),
    );
    if (isFallback(edited)) return { kind: 'file', reason: edited.noCanvas };
    return { kind: 'canvas', canvasId: existing, created: false, kept: refreshed.kept };
  }
  const created = await orNoCanvases(() => slack.conversations.canvases.create({ channel_id: channelId, title, document_content: { type: 'markdown', markdown } }));
  if (isFallback(created)) return { kind: 'file', reason: created.noCanvas };
  return { kind: 'canvas', canvasId: created.canvas_id!, created: true, kept: [] };
}
