/** Config of an `icmp` check, and how long its burst can take. */
import { isIP } from 'node:net';
import Type, { type Static } from 'typebox';
import { baseCheckFields } from '../base-schema.ts';
import { TraceConfig } from '../trace/settings.ts';

export const IcmpCheck = Type.Object(
  {
    kind: Type.Literal('icmp'),
    target: Type.String({
      minLength: 1,
      maxLength: 253,
      // A host name or an IPv4/IPv6 literal; never starting with '-' (it goes on ping's command line).
      pattern: '^[A-Za-z0-9_:][A-Za-z0-9._:%-]*$',
      description: 'Host name or IP address to ping.',
    }),
    ...baseCheckFields({ defaultIntervalMs: 30_000 }),
    count: Type.Integer({ minimum: 1, maximum: 1000, default: 20, description: 'Echo requests per round (one burst).' }),
    pingIntervalMs: Type.Integer({
      minimum: 10,
      maximum: 10_000,
      default: 500,
      description:
        'Gap between the requests of a burst (Linux; Windows ping.exe always spaces them 1 s apart). Not as root, older iputils refuse below 200 ms.',
    }),
    replyTimeoutMs: Type.Integer({
      minimum: 1000,
      maximum: 10_000,
      multipleOf: 1000,
      default: 1000,
      description: 'How long a request may wait for its reply (whole seconds: ping takes seconds).',
    }),
    packetSizeBytes: Type.Integer({
      minimum: 16,
      maximum: 65_000,
      default: 56,
      description: 'ICMP payload bytes (ping -s / -l). At least 16: iputils needs room for its timestamp to time a reply.',
    }),
    ipVersion: Type.Optional(Type.Enum([4, 6], { description: 'Force IPv4 or IPv6 for a host name.' })),
    trace: Type.Optional({
      ...TraceConfig,
      description:
        'Path trace (mtr) when a burst goes over its level, and hourly; roles n3-gateway, national-app, branch-site (agent/src/probes/trace/README.md).',
    }),
  },
  { additionalProperties: false },
);
export type IcmpCheck = Static<typeof IcmpCheck>;

/**
 * ping's timers run late: measured 3–6 ms per request at 10 ms spacing on a 2-core VM (400
 * requests at 10 ms took 6.5 s). Allowed per request on top of pingIntervalMs.
 */
export const TIMER_SLACK_MS = 10;

/** Allowance for ping's own name lookup when the target is not an IP literal. */
export const NAME_LOOKUP_ALLOWANCE_MS = 5000;

/**
 * The longest a burst can take when nothing goes wrong with the machine: Linux iputils sends
 * `count` requests `pingIntervalMs` apart and then waits at most `replyTimeoutMs` for the last
 * replies; Windows ping.exe waits for each reply (up to the timeout) and spaces requests 1 s apart.
 */
export function burstBoundMs(
  check: Pick<IcmpCheck, 'target' | 'count' | 'pingIntervalMs' | 'replyTimeoutMs'>,
  platform: NodeJS.Platform = process.platform,
): number {
  const lookup = isIP(check.target.replace(/%.*$/, '')) === 0 ? NAME_LOOKUP_ALLOWANCE_MS : 0;
  if (platform === 'win32') return check.count * (Math.max(1000, check.replyTimeoutMs) + TIMER_SLACK_MS) + lookup;
  return (check.count - 1) * (check.pingIntervalMs + TIMER_SLACK_MS) + check.replyTimeoutMs + lookup;
}

/** Share of intervalMs the agent lets a run take by default (agent/src/config/parse.ts effectiveTimeoutMs). */
export const RUN_SHARE_OF_INTERVAL = 0.9;

/** Margin over the burst bound for starting the process and reading its output. */
export const TIMEOUT_MARGIN_MS = 1000;

/** Cross-field rules, as `path: message` relative to the check. */
export function validateIcmpCheck(check: IcmpCheck, platform: NodeJS.Platform = process.platform): string[] {
  const problems: string[] = [];
  if (check.target.includes(':') && isIP(check.target.replace(/%.*$/, '')) !== 6) {
    problems.push(`target: '${check.target}' is neither a host name nor an IP address`);
  }
  if (check.ipVersion !== undefined && isIP(check.target) !== 0 && isIP(check.target) !== check.ipVersion) {
    problems.push(`ipVersion: ${check.ipVersion} does not match the IPv${isIP(check.target)} target`);
  }
  const bound = burstBoundMs(check, platform);
  const how =
    platform === 'win32'
      ? `${check.count} requests at 1 s or the ${check.replyTimeoutMs} ms reply timeout each, +${TIMER_SLACK_MS} ms timer slack each`
      : `${check.count} requests ${check.pingIntervalMs} ms apart, +${TIMER_SLACK_MS} ms timer slack each, + ${check.replyTimeoutMs} ms for the last reply`;
  const name = isIP(check.target.replace(/%.*$/, '')) === 0 ? ` + ${NAME_LOOKUP_ALLOWANCE_MS} ms to resolve the name` : '';
  // The agent gives a run at most 90 % of its interval when no timeoutMs is set (config/parse.ts).
  const budget = Math.floor(check.intervalMs * RUN_SHARE_OF_INTERVAL);
  if (bound > budget) {
    problems.push(
      `count: a burst can take ${bound} ms (${how}${name}), more than 90 % of intervalMs (${budget} of ${check.intervalMs} ms); lower count or pingIntervalMs, or raise intervalMs`,
    );
  }
  if (check.timeoutMs !== undefined && check.timeoutMs < bound) {
    problems.push(`timeoutMs: ${check.timeoutMs} ms is shorter than a burst can take (${bound} ms: ${how}${name})`);
  }
  return problems;
}
