/** `commands.postmortem.settings` in the policy file: which reactions mark timeline events, which bots are alerts. */
import { z } from 'zod';

const emojiName = z
  .string()
  .trim()
  .transform((name) => name.replace(/^:|:$/g, ''))
  .pipe(z.string().regex(/^[a-z0-9_+'-]+$/, 'must be an emoji name such as pushpin or :timeline:'));

export const postmortemSettingsSchema = z
  .object({
    /** A message with one of these reactions is a timeline event, stamped at its original post time. */
    timelineReactions: z.array(emojiName).default(['pushpin', 'round_pushpin', 'timeline']),
    /** Bot ids (B…) or the names integrations post under; their messages are detection events. */
    alertBots: z.array(z.string().trim().min(1)).default(['PagerDuty', 'Alertmanager', 'Datadog', 'Opsgenie', 'Grafana']),
  })
  .strict();

export type PostmortemSettings = z.output<typeof postmortemSettingsSchema>;
