/**
 * Who may run and approve what (the YAML policy), with user-group handles resolved through the
 * Slack API and cached briefly (one call in flight at a time) so a burst of clicks does not hit Tier 2 limits.
 */
import type { WebClient } from '@slack/web-api';
import type { CommandPolicy, Policy } from '../config.js';
import { UserFacingError } from '../errors.js';

/** Short, so a membership change reaches deckhand within half a minute. */
export const GROUP_CACHE_MS = 30_000;

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

export class UserGroups {
  private handles?: Cached<Map<string, string>>;
  private members = new Map<string, Cached<Set<string>>>();

  constructor(
    private readonly client: WebClient,
    private readonly now: () => number = Date.now,
  ) {}

  async has(handle: string, user: string): Promise<boolean> {
    const id = (await this.handleIds()).get(handle.replace(/^@/, '').toLowerCase());
    if (!id) return false;
    const users = this.fresh(this.members.get(id), () => this.read('usergroups.users.list', async () => new Set((await this.client.usergroups.users.list({ usergroup: id })).users ?? [])));
    this.members.set(id, users);
    return (await users.value).has(user);
  }

  private handleIds(): Promise<Map<string, string>> {
    this.handles = this.fresh(this.handles, () =>
      this.read('usergroups.list', async () => {
        const ids = new Map<string, string>();
        for (const group of (await this.client.usergroups.list({})).usergroups ?? []) if (group.handle && group.id) ids.set(group.handle.toLowerCase(), group.id);
        return ids;
      }),
    );
    return this.handles.value;
  }

  /**
   * The cached answer while it is young, else one new call shared by everyone asking meanwhile (a burst of commands
   * makes one call, not one each). A failed call is not cached: the next request tries again.
   */
  private fresh<T>(cached: Cached<T> | undefined, load: () => Promise<T>): Cached<T> {
    if (cached && this.now() - cached.at <= GROUP_CACHE_MS) return cached;
    const entry: Cached<T> = { at: this.now(), value: load() };
    entry.value.catch(() => (entry.at = -Infinity));
    return entry;
  }

  /** Slack's failure, as the person asking sees it: membership cannot be checked, so nothing is allowed. */
  private async read<T>(method: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const reason = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
      throw new UserFacingError(`deckhand could not check your Slack user groups (${method}: ${reason}), so nothing was done. Try again in a minute.`, { cause: error, code: 'slack-usergroups' });
    }
  }
}

export class Authorizer {
  constructor(
    private readonly policy: Policy,
    private readonly groups: UserGroups,
  ) {}

  commandPolicy(subcommand: string): CommandPolicy {
    const found = this.policy.commands[subcommand];
    if (!found) throw new Error(`no policy for subcommand ${subcommand}`);
    return found;
  }

  /** Why the channel is not allowed for this subcommand, or undefined when it is. */
  channelRefusal(subcommand: string, channel: string): string | undefined {
    const outside = this.outsideOf(subcommand, channel);
    if (outside === 'global') return `deckhand is not enabled in this channel. Use it in ${channelList(this.policy.channels)}.`;
    if (outside) return `\`/deckhand ${subcommand}\` is only allowed in ${channelList(outside)}.`;
    return undefined;
  }

  /** Why a report may not read this channel (the same channels it may be used in), or undefined when it may. */
  readRefusal(subcommand: string, channel: string): string | undefined {
    const outside = this.outsideOf(subcommand, channel);
    if (!outside) return undefined;
    return `\`/deckhand ${subcommand}\` may only read ${channelList(outside === 'global' ? this.policy.channels : outside)}, not <#${channel}>.`;
  }

  /** Which allow-list excludes the channel: the global one, the subcommand's own, or none. */
  private outsideOf(subcommand: string, channel: string): 'global' | string[] | undefined {
    if (this.policy.channels.length && !this.policy.channels.includes(channel)) return 'global';
    const allowed = this.commandPolicy(subcommand).channels;
    return allowed.length && !allowed.includes(channel) ? allowed : undefined;
  }

  mayRun(user: string, subcommand: string): Promise<boolean> {
    return this.matches(user, this.commandPolicy(subcommand).run);
  }

  mayApprove(user: string, subcommand: string): Promise<boolean> {
    return this.matches(user, this.commandPolicy(subcommand).approve);
  }

  approvers(subcommand: string): string[] {
    return this.commandPolicy(subcommand).approve;
  }

  private async matches(user: string, principals: string[]): Promise<boolean> {
    if (principals.includes('*') || principals.includes(user)) return true;
    for (const p of principals) if (p.startsWith('@') && (await this.groups.has(p, user))) return true;
    return false;
  }
}

function channelList(channels: string[]): string {
  return channels.map((c) => `<#${c}>`).join(', ');
}
