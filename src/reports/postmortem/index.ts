/** `/deckhand postmortem`: a read-only draft from an incident channel's history, in the channel's canvas or attached as Markdown. */
import type { ReportKind } from '../kind.js';
import { channelActivity } from './activity.js';
import { parsePostmortemArgs, POSTMORTEM_COMMAND, windowFor, type PostmortemArgs } from './args.js';
import { buildDraft } from './draft.js';
import { landOnCanvas } from './deliver.js';
import { gatherChannel, type ReadProgress } from './gather.js';
import { sealBlocks } from './refresh.js';
import { postmortemFilename, postmortemView, renderPostmortemBlocks } from './render.js';
import { postmortemSettingsSchema, type PostmortemSettings } from './settings.js';

/** Enough for a long incident; beyond it the draft says it read only the newest messages. */
export const MAX_MESSAGES = 20_000;
/** How often the progress message changes while a long channel is read (chat.update is Tier 3). */
const PROGRESS_INTERVAL_MS = 5_000;

export const postmortemReport: ReportKind<PostmortemArgs, PostmortemSettings> = {
  command: POSTMORTEM_COMMAND,
  settingsSchema: postmortemSettingsSchema,
  parseArgs: parsePostmortemArgs,
  async run(ctx, args) {
    const now = ctx.clock.now();
    // A read that takes less than the interval shows no progress: the answer comes first.
    let shownAt = now;
    let shown: Promise<void> = Promise.resolve();
    const onProgress = (p: ReadProgress) => {
      if (ctx.clock.now() - shownAt < PROGRESS_INTERVAL_MS) return;
      shownAt = ctx.clock.now();
      const text = `:hourglass_flowing_sand: Reading #${p.channel} for the postmortem: ${p.messages.toLocaleString('en-US')} messages, ${p.historyPages} history pages, ${p.threadsRead} of ${p.threadsFound} threads so far…`;
      // Progress is best effort: a failed update must not fail the draft.
      shown = shown.then(() => ctx.progress(text)).catch((error: unknown) => ctx.log.warn({ err: error }, 'progress update failed'));
    };
    const history = await gatherChannel({
      slack: ctx.slack,
      clock: ctx.clock,
      requestChannel: ctx.channel,
      readRefusal: ctx.readRefusal,
      ...(args.channel ? { target: args.channel } : {}),
      window: (created) => windowFor(args.since, created, now),
      maxMessages: MAX_MESSAGES,
      activity: (channelId, from) => channelActivity(ctx, channelId, from, now),
      onProgress,
    });
    await shown;
    const draft = buildDraft(history, { ...(args.title ? { title: args.title } : {}), window: history.window, now, maxMessages: MAX_MESSAGES, settings: ctx.settings });
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
