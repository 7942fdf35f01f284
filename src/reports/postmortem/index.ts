/** `/deckhand postmortem`: a read-only draft from an incident channel's history, in the channel's canvas or attached as Markdown. */
import type { ReportKind } from '../kind.js';
import { channelActivity } from './activity.js';
import { parsePostmortemArgs, POSTMORTEM_COMMAND, windowStart, type PostmortemArgs } from './args.js';
import { buildDraft } from './draft.js';
import { landOnCanvas } from './deliver.js';
import { gatherChannel } from './gather.js';
import { sealBlocks } from './refresh.js';
import { postmortemFilename, postmortemView, renderPostmortemBlocks } from './render.js';
import { postmortemSettingsSchema, type PostmortemSettings } from './settings.js';

/** Enough for a long incident; beyond it the draft says it read only the newest messages. */
export const MAX_MESSAGES = 5_000;

export const postmortemReport: ReportKind<PostmortemArgs, PostmortemSettings> = {
  command: POSTMORTEM_COMMAND,
  settingsSchema: postmortemSettingsSchema,
  parseArgs: parsePostmortemArgs,
  async run(ctx, args) {
    const now = ctx.clock.now();
    const start = windowStart(args.since, now);
    const history = await gatherChannel({
      slack: ctx.slack,
      clock: ctx.clock,
      requestChannel: ctx.channel,
      readRefusal: ctx.readRefusal,
      ...(args.channel ? { target: args.channel } : {}),
      oldestMs: start,
      maxMessages: MAX_MESSAGES,
      activity: (channelId) => channelActivity(ctx, channelId, start, now),
    });
    const draft = buildDraft(history, { ...(args.title ? { title: args.title } : {}), windowStart: start, now, maxMessages: MAX_MESSAGES, settings: ctx.settings });
    const filename = postmortemFilename(draft);
    const content = sealBlocks(await ctx.templates.render('postmortem.md', postmortemView(draft)));
    const landing = await landOnCanvas(ctx.slack, draft.channel.id, `Postmortem: ${draft.title}`, content);
    ctx.log.info({ channelId: draft.channel.id, messages: draft.messageCount, timeline: draft.timeline.length, truncated: draft.truncated, landing }, 'postmortem drafted');
    return {
      text: `Postmortem draft for #${draft.channel.name}: ${draft.messageCount} messages, ${draft.timeline.length} key moments`,
      blocks: renderPostmortemBlocks(draft, landing, filename),
      ...(landing.kind === 'file' ? { files: [{ filename, title: `Postmortem draft: ${draft.title}`, content }] } : {}),
    };
  },
};
