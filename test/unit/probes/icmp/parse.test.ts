/**
 * Every ping fixture (test/fixtures/ping/) through the parser. Linux expectations come from each
 * capture's own summary lines — iputils' "N packets transmitted, M received" and "rtt
 * min/avg/max/mdev" are an independent oracle for our counting and statistics. Windows fixtures
 * are reconstructions with fixed contents, so their expectations are literal.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePingOutput, type ParsedPing } from '../../../../agent/src/probes/icmp/parse.ts';
import { rttStats } from '../../../../agent/src/probes/icmp/stats.ts';

const DIR = fileURLToPath(new URL('../../../fixtures/ping/', import.meta.url));
const fixture = (name: string): string => readFileSync(DIR + name, 'utf8');
const linux = (name: string): ParsedPing => parsePingOutput(fixture(name), 'linux');
const windows = (name: string): ParsedPing => parsePingOutput(fixture(name), 'windows');

/** What iputils itself said in the summary of a capture. */
function iputilsSummary(text: string) {
  const counts = /(\d+) packets transmitted, (\d+) received(?:, \+(\d+) errors)?/.exec(text);
  const rtt = /rtt min\/avg\/max\/mdev = ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(text);
  return {
    transmitted: counts === null ? undefined : Number(counts[1]),
    received: counts === null ? undefined : Number(counts[2]),
    errors: counts?.[3] === undefined ? 0 : Number(counts[3]),
    rtt: rtt === null ? undefined : { min: Number(rtt[1]), avg: Number(rtt[2]), max: Number(rtt[3]), mdev: Number(rtt[4]) },
  };
}

describe('Linux iputils output', () => {
  const withReplies = ['linux-loopback.txt', 'linux-ipv6-loopback.txt', 'linux-delay-jitter.txt', 'linux-reordered.txt', 'linux-partial-loss.txt'];

  it.each(withReplies)("%s: counts and statistics agree with iputils' own summary", (name) => {
    const text = fixture(name);
    const summary = iputilsSummary(text);
    const parsed = linux(name);
    expect(parsed.failure).toBeUndefined();
    expect(parsed.transmitted).toBe(summary.transmitted);
    expect(parsed.replies).toHaveLength(summary.received!);
    const stats = rttStats(parsed.replies.map((r) => r.rttMs))!;
    // Per-reply times are printed rounded (3 significant decimals below 1 ms, 1 decimal from
    // 10 ms); iputils computes its summary from the unrounded values, so allow half a unit of
    // the coarsest printed digit.
    const tolerance = stats.maxMs >= 10 ? 0.05 : stats.maxMs >= 1 ? 0.005 : 0.0005;
    expect(Math.abs(stats.minMs - summary.rtt!.min)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(stats.maxMs - summary.rtt!.max)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(stats.avgMs - summary.rtt!.avg)).toBeLessThanOrEqual(tolerance);
    // mdev is iputils' population standard deviation.
    expect(Math.abs(stats.stddevMs - summary.rtt!.mdev)).toBeLessThanOrEqual(tolerance * 2);
  });

  it('keeps replies in order of arrival, not sequence (reordered capture)', () => {
    const parsed = linux('linux-reordered.txt');
    const seqs = parsed.replies.map((r) => r.seq!);
    expect(seqs).not.toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const firstLine = fixture('linux-reordered.txt').split('\n')[1]!;
    const m = /icmp_seq=(\d+) .*time=([\d.]+) ms/.exec(firstLine)!;
    expect(parsed.replies[0]).toEqual({ seq: Number(m[1]), rttMs: Number(m[2]) });
  });

  it('reads the per-reply RTTs exactly as printed', () => {
    const parsed = linux('linux-loopback.txt');
    const printed = [...fixture('linux-loopback.txt').matchAll(/icmp_seq=(\d+) ttl=\d+ time=([\d.]+) ms/g)].map((m) => ({
      seq: Number(m[1]),
      rttMs: Number(m[2]),
    }));
    expect(printed).toHaveLength(10);
    expect(parsed.replies).toEqual(printed);
  });

  it('total loss: every request sent, no reply, no error', () => {
    const parsed = linux('linux-total-loss.txt');
    expect(parsed).toEqual({ transmitted: 5, replies: [], duplicates: 0, errors: [] });
  });

  it('host unreachable: the kernel\'s ICMP errors, one per "From … Destination Host Unreachable"', () => {
    const text = fixture('linux-host-unreachable.txt');
    const parsed = linux('linux-host-unreachable.txt');
    expect(parsed.transmitted).toBe(10);
    expect(parsed.replies).toEqual([]);
    expect(parsed.errors).toHaveLength(iputilsSummary(text).errors);
    expect(parsed.errors.every((e) => e.kind === 'unreachable' && /Destination Host Unreachable$/.test(e.text))).toBe(true);
  });

  it('admin-prohibited: "Packet filtered" is an unreachable error', () => {
    const parsed = linux('linux-admin-prohibited.txt');
    expect(parsed.transmitted).toBe(3);
    expect(parsed.errors.map((e) => e.kind)).toEqual(['unreachable', 'unreachable', 'unreachable']);
  });

  it('unknown host: a failure, nothing sent', () => {
    expect(linux('linux-unknown-host.txt')).toEqual({
      replies: [],
      duplicates: 0,
      errors: [],
      failure: { kind: 'unknown_host', text: 'ping: nonexistent.invalid: Name or service not known' },
    });
  });

  it('no route: a failure before anything was sent', () => {
    expect(linux('linux-network-unreachable.txt').failure).toEqual({ kind: 'no_route', text: 'ping: connect: Network is unreachable' });
  });

  it('output it does not know is a failure it says so about, not an exception', () => {
    expect(parsePingOutput('', 'linux').failure).toEqual({ kind: 'unrecognised', text: '(no output)' });
    expect(parsePingOutput('\nUsage\n  ping [options] <destination>\n', 'linux').failure).toEqual({ kind: 'unrecognised', text: 'Usage' });
    expect(parsePingOutput('ping: socket: Operation not permitted\n', 'linux').failure?.kind).toBe('permission');
  });
});

describe('Windows ping.exe output (reconstructed fixtures)', () => {
  it('English: four replies with their times; Sent from the statistics', () => {
    const p = windows('windows-en-normal.txt');
    expect(p.transmitted).toBe(4);
    expect(p.replies.map((r) => r.rttMs)).toEqual([12, 14, 11, 19]);
    expect(p.errors).toEqual([]);
    expect(p.failure).toBeUndefined();
  });

  it('"time<1ms" is 0.5 ms, never 0; the min/max/average line is not a reply', () => {
    expect(windows('windows-en-lan.txt').replies.map((r) => r.rttMs)).toEqual([0.5, 1, 0.5, 2]);
    expect(windows('windows-en-ipv6.txt').replies.map((r) => r.rttMs)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('timeouts are lost packets', () => {
    const p = windows('windows-en-partial-loss.txt');
    expect(p.transmitted).toBe(5);
    expect(p.replies.map((r) => r.rttMs)).toEqual([23, 31, 24]);
    expect(windows('windows-en-timeout.txt')).toEqual({ transmitted: 4, replies: [], duplicates: 0, errors: [] });
  });

  it('"Destination host unreachable." is an error, not a reply (Windows counts it as received)', () => {
    const p = windows('windows-en-unreachable.txt');
    expect(fixture('windows-en-unreachable.txt')).toMatch(/Received = 2/);
    expect(p.transmitted).toBe(4);
    expect(p.replies).toEqual([]);
    expect(p.errors).toEqual([
      { kind: 'unreachable', text: 'Reply from 192.0.2.254: Destination host unreachable.' },
      { kind: 'unreachable', text: 'Reply from 192.0.2.254: Destination host unreachable.' },
    ]);
  });

  it('"General failure" is an unreachable error per packet', () => {
    const p = windows('windows-en-general-failure.txt');
    expect(p.transmitted).toBe(4);
    expect(p.errors.map((e) => e.kind)).toEqual(['unreachable', 'unreachable', 'unreachable', 'unreachable']);
  });

  it('unknown host in English and German', () => {
    expect(windows('windows-en-unknown-host.txt').failure?.kind).toBe('unknown_host');
    expect(windows('windows-de-unknown-host.txt').failure?.kind).toBe('unknown_host');
  });

  it('German, with the umlauts lost to the console code page', () => {
    expect(fixture('windows-de-normal.txt')).toContain('\uFFFD');
    const normal = windows('windows-de-normal.txt');
    expect(normal.transmitted).toBe(4);
    expect(normal.replies.map((r) => r.rttMs)).toEqual([12, 14, 11, 19]);
    const loss = windows('windows-de-partial-loss.txt');
    expect(loss.transmitted).toBe(4);
    expect(loss.replies.map((r) => r.rttMs)).toEqual([0.5, 3, 1]);
    const unreachable = windows('windows-de-unreachable.txt');
    expect(unreachable.replies).toEqual([]);
    expect(unreachable.errors).toHaveLength(4);
    expect(unreachable.errors[0]?.kind).toBe('unreachable');
  });

  it('French, with "temps=12 ms" spaced', () => {
    const p = windows('windows-fr-normal.txt');
    expect(p.transmitted).toBe(4);
    expect(p.replies.map((r) => r.rttMs)).toEqual([12, 14, 11, 19]);
  });
});

it('every fixture in the folder is covered by a test above (fping rounds: by parse-fping.test.ts)', () => {
  const source = readFileSync(fileURLToPath(import.meta.url), 'utf8') + readFileSync(fileURLToPath(new URL('./parse-fping.test.ts', import.meta.url)), 'utf8');
  const files = readdirSync(DIR).filter((f) => f.endsWith('.txt'));
  expect(files.length).toBeGreaterThanOrEqual(25);
  for (const f of files) expect(source, f).toContain(`'${f}'`);
});
