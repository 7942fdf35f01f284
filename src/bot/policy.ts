/**
 * Who may run and approve what (the YAML policy), with user-group handles resolved through the
 * Slack API and cached briefly so a burst of clicks does not hit Tier 2 limits.
 */
import type { WebClient } from '@slack/web-api';
import type { CommandPolicy, Policy } from '../config.js';

const GROUP_CACHE_MS = 60_000;

export class UserGroups {
  private handles?: { at: number; ids: Map<string, string> };
  private members = new Map<string, { at: number; users: Set<string> }>();

  constructor(
    private readonly client: WebClient,
    private readonly now: () => number = Date.now,
  ) {}

  async has(handle: string, user: string): Promise<boolean> {
    const id = (await this.handleIds()).get(handle.replace(/^@/, '').toLowerCase());
    if (!id) return false;
    let cached = this.members.get(id);
    if (!cached || this.now() - cached.at > GROUP_CACHE_MS) {
      const result = await this.client.usergroups.users.list({ usergroup: id });
      cached = { at: this.now(), users: new Set(result.users ?? []) };
      this.members.set(id, cached);
    }
    return cached.users.has(user);
  }

  private async handleIds(): Promise<Map<string, string>> {
    if (!this.handles || this.now() - this.handles.at > GROUP_CACHE_MS) {
      const result = await this.client.usergroups.list({});
      const ids = new Map<string, string>();
      for (const group of result.usergroups ?? []) if (group.handle && group.id) ids.set(group.handle.toLowerCase(), group.id);
      this.handles = { at: this.now(), ids };
    }
    return this.handles.ids;
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
