/**
 * `/deckhand …`: ack first (Slack's 3 s budget must never wait for AWS), then parse and authorize the
 * command; a job kind's request goes to the plans service in one call (observe, plan, store), and the
 * plan it answers is posted with Approve/Reject in the channel.
 * Read-only reports (postmortem, cost) skip the plan: they run and post their answer in the channel.
 * Usage errors and refusals are ephemeral and change nothing.
 */
import type { App, RespondFn, SlashCommand } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { renderHelp } from '../../blocks/help.js';
import { renderJobsList, renderJobStatus } from '../../blocks/jobs-list.js';
import { renderNotice, renderUsageError, type Message } from '../../blocks/usage-error.js';
import { errorReference, UsageError, UserFacingError } from '../../errors.js';
import type { CommandSpec, JobKind, RawCommand } from '../../jobs/kind.js';
import type { Logger } from '../../logger.js';
import type { ReportContext, ReportKind } from '../../reports/kind.js';
import type { BotDeps } from '../deps.js';
import { BUILTIN_SPECS, parseCommand } from '../parse.js';
import { planMessage } from '../plan-view.js';

const JOBS_LIST_LIMIT = 15;

export interface CommandArgs {
  command: SlashCommand;
  ack: () => Promise<void>;
  respond: RespondFn;
  client: WebClient;
  log?: Logger;
}

function ephemeral(respond: RespondFn, message: Message) {
  return respond({ response_type: 'ephemeral', text: message.text, blocks: message.blocks });
}

export async function handleDeckhandCommand(deps: BotDeps, args: CommandArgs): Promise<void> {
  await args.ack();
  const { command, respond } = args;
  const log = (args.log ?? deps.log).child({ user: command.user_id, channel: command.channel_id });
  try {
    await dispatch(deps, args, log);
  } catch (error) {
    if (error instanceof UserFacingError) {
      await ephemeral(respond, renderNotice(error.message));
      return;
    }
    const ref = errorReference();
    log.error({ err: error, ref }, 'command failed');
    await ephemeral(respond, renderNotice(`Something went wrong on our side (reference ${ref}). Nothing was changed.`, ':boom:'));
  }
}

async function dispatch(deps: BotDeps, { command, respond, client }: CommandArgs, log: Logger): Promise<void> {
  const specs = [...deps.kinds.values(), ...deps.reports.values()].map((k) => k.command);
  const parsed = parseCommand(command.text ?? '', specs);
  if (!parsed.ok) {
    await ephemeral(respond, renderUsageError(parsed.error, parsed.example));
    return;
  }
  const subcommand = parsed.command.type === 'kind' ? parsed.command.raw.subcommand : parsed.command.type;
  const channelRefusal = deps.authorizer.channelRefusal(subcommand, command.channel_id);
  if (channelRefusal) {
    await ephemeral(respond, renderNotice(channelRefusal));
    return;
  }
  if (!(await deps.authorizer.mayRun(command.user_id, subcommand))) {
    await deps.audit.append({ actor: command.user_id, action: 'command.refused', target: subcommand, details: { reason: 'not allowed to run' } });
    await ephemeral(respond, renderNotice(`You may not use \`/deckhand ${subcommand}\`. Ask your SRE team to add you to \`commands.${subcommand}.run\` in the policy.`));
    return;
  }

  switch (parsed.command.type) {
    case 'help': {
      const allowed = [];
      for (const spec of [...BUILTIN_SPECS, ...specs]) {
        if (!deps.authorizer.channelRefusal(spec.subcommand, command.channel_id) && (await deps.authorizer.mayRun(command.user_id, spec.subcommand))) allowed.push(spec);
      }
      await ephemeral(respond, renderHelp(allowed, parsed.command.topic));
      return;
    }
    case 'jobs': {
      const plans = await deps.plans.listByChannel(command.channel_id, JOBS_LIST_LIMIT);
      await ephemeral(respond, renderJobsList(plans, deps.clock.now()));
      return;
    }
    case 'status': {
      const plan = await deps.plans.get(parsed.command.id);
      if (!plan || plan.channel !== command.channel_id) {
        await ephemeral(respond, renderNotice(`No job \`${parsed.command.id}\` in this channel. \`/deckhand jobs\` lists them.`, ':mag:'));
        return;
      }
      await ephemeral(respond, renderJobStatus(plan, deps.clock.now(), await deps.service.currentStep(plan)));
      return;
    }
    case 'kind': {
      const report = deps.reports.get(parsed.command.raw.subcommand);
      if (report) {
        await runReport(deps, report, parsed.command.raw, { command, respond, client }, log);
        return;
      }
      const kind = deps.kinds.get(parsed.command.raw.subcommand)!;
      await planKind(deps, kind, parsed.command.raw, { command, respond, client }, log);
      return;
    }
  }
}

/** Runs what parses the kind's or report's arguments; a UsageError becomes an ephemeral usage reply (undefined returned). */
async function parseOrExplain<Args>(
  spec: CommandSpec,
  parse: () => Args | Promise<Args>,
  respond: RespondFn,
): Promise<{ args: Args } | undefined> {
  try {
    return { args: await parse() };
  } catch (error) {
    if (error instanceof UsageError) {
      await ephemeral(respond, renderUsageError(error.message, error.example ?? spec.example, spec.usage));
      return undefined;
    }
    throw error;
  }
}

async function runReport(
  deps: BotDeps,
  report: ReportKind,
  raw: RawCommand,
  { command, respond, client }: Omit<CommandArgs, 'ack'>,
  log: Logger,
): Promise<void> {
  const name = report.command.subcommand;
  const parsedArgs = await parseOrExplain(report.command, () => report.parseArgs(raw), respond);
  if (!parsedArgs) return;
  let progressTs: string | undefined;
  const progress = async (text: string) => {
    if (progressTs) await client.chat.update({ channel: command.channel_id, ts: progressTs, text });
    else progressTs = (await client.chat.postMessage({ channel: command.channel_id, text, unfurl_links: false })).ts;
  };
  const ctx: ReportContext = {
    progress,
    clients: deps.clients,
    slack: client,
    channel: command.channel_id,
    user: command.user_id,
    readRefusal: (channel) => deps.authorizer.readRefusal(name, channel),
    clock: deps.clock,
    log: log.child({ report: name }),
    templates: deps.templates,
    settings: deps.config.policy.commands[name]?.settings,
    audit: deps.audit,
    plans: deps.plans,
    redis: deps.redis,
    redisPrefix: deps.config.redisPrefix,
  };
  const output = await report.run(ctx, parsedArgs.args);
  const answer = { channel: command.channel_id, text: output.text, blocks: output.blocks };
  const posted = progressTs ? await client.chat.update({ ...answer, ts: progressTs }) : await client.chat.postMessage({ ...answer, unfurl_links: false });
  for (const file of output.files ?? []) {
    await client.filesUploadV2({ channel_id: command.channel_id, thread_ts: posted.ts!, filename: file.filename, title: file.title, content: file.content });
  }
  await deps.audit.append({ actor: command.user_id, action: 'report.posted', target: name, details: { channel: command.channel_id, summary: output.text } });
  log.info({ report: name, files: output.files?.length ?? 0 }, 'report posted');
}

/** Progress shown while a slow plan is made: the first line at once, then one every 20 s, at most 3 (response_url allows 5). */
const PLANNING_REPORT_EVERY_MS = 20_000;
const PLANNING_REPORTS = 3;

function planningReporter(deps: BotDeps, respond: RespondFn, log: Logger): (progress: string) => void {
  let shown = 0;
  let lastAt = Number.NEGATIVE_INFINITY;
  return (progress) => {
    const now = deps.clock.now();
    if (shown >= PLANNING_REPORTS || now - lastAt < PLANNING_REPORT_EVERY_MS) return;
    shown++;
    lastAt = now;
    ephemeral(respond, renderNotice(progress, ':hourglass_flowing_sand:')).catch((error: unknown) => log.warn({ err: error }, 'planning progress not shown'));
  };
}

async function planKind(
  deps: BotDeps,
  kind: JobKind,
  raw: RawCommand,
  { command, respond, client }: Omit<CommandArgs, 'ack'>,
  log: Logger,
): Promise<void> {
  const request = { kind, raw, user: command.user_id, channel: command.channel_id, log, planning: planningReporter(deps, respond, log) };
  const created = await parseOrExplain(kind.command, () => deps.service.create(request), respond);
  if (!created) return;
  const result = created.args;
  if (result.type === 'refused') {
    await ephemeral(respond, renderNotice(`deckhand will not plan this: ${result.reason}`));
    return;
  }
  if (result.type === 'empty') {
    await ephemeral(respond, renderNotice(`Nothing to do for \`${result.target}\`: ${result.reason}.`, ':white_check_mark:'));
    return;
  }
  const { plan } = result;
  const message = planMessage(deps, plan);
  const posted = await client.chat.postMessage({ channel: plan.channel, text: message.text, blocks: message.blocks, unfurl_links: false });
  const messageTs = posted.ts!;
  await deps.service.recordMessage(plan.id, messageTs);
  log.info({ planId: plan.id, kind: plan.kind, target: plan.target, dryRun: plan.dryRun }, 'plan posted');
  for (const note of result.notes) await client.chat.postMessage({ channel: plan.channel, thread_ts: messageTs, text: note });
  for (const file of result.files) {
    await client.filesUploadV2({ channel_id: plan.channel, thread_ts: messageTs, filename: file.filename, title: file.title, content: file.content });
  }
}

export function register(app: App, deps: BotDeps): void {
  app.command('/deckhand', async ({ command, ack, respond, client, context }) => {
    await handleDeckhandCommand(deps, { command, ack, respond, client, log: (context.log as Logger | undefined) ?? deps.log });
  });
}
