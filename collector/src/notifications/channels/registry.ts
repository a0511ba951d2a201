/** The channel registry: the only place that lists notification channel kinds. */
import Type, { type Static, type TSchema } from 'typebox';
import type { ChannelKind } from './types.ts';
import { webhookChannel } from './webhook/index.ts';
import { emailChannel } from './email/index.ts';

export const CHANNELS: readonly ChannelKind[] = [webhookChannel, emailChannel] as readonly ChannelKind[];

export function channelFor(kind: string, channels: readonly ChannelKind[] = CHANNELS): ChannelKind | undefined {
  return channels.find((c) => c.kind === kind);
}

/** The collector config's `notifications`: a list of channels of any registered kind. */
export const NotificationsConfig = Type.Array(Type.Union(CHANNELS.map((c) => c.schema as TSchema)), {
  default: [],
  maxItems: 20,
  description: 'Where alert notifications go (webhook, email); grouped per practice.',
});
export type NotificationsConfig = Array<{ kind: string } & Static<typeof webhookChannel.schema | typeof emailChannel.schema>>;

/** Each channel's own problems beyond its schema, as `notifications[i].key: message`. */
export function channelConfigProblems(notifications: ReadonlyArray<{ kind: string }>, channels: readonly ChannelKind[] = CHANNELS): string[] {
  return notifications.flatMap((cfg, i) => (channelFor(cfg.kind, channels)?.problems?.(cfg as never) ?? []).map((p) => `notifications[${i}].${p}`));
}
