/**
 * The contract from agent to report, end to end: the documented agent config
 * (deploy/examples/agent.yaml, loopback targets), the real agent and collector (built CLI,
 * default threshold profile), answers read through the read API and the month's report.
 * These are the tests that would have caught `ifRole: wan` vs `ifRole="n3-gateway"` (issue 10).
 *
 * One practice runs for the whole file; each test waits (bounded) for its condition. Rules are
 * evaluated per minute of event time and raise after 3 breaching minutes, so the first alerts
 * take about 2–3 minutes of real time; the tests after the first find their answers at once or
 * within a minute. See README.md for what is proved and why the timing is honest.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { waitFor } from '../../helpers/wait.ts';
import { SNMPSIMD } from '../../lab/snmp/daemons.ts';
import { DEAD_HTTP_APP, DEAD_TCP_ID, DEFAULT_PROFILE, documentedRouter, ODS, startPractice, WAN_IF, type Practice } from './practice.ts';
import { londonMonth, parseCsv, percent, tableAfterHeading, type ApiAlert, type ApiPracticeDetail } from './read.ts';

const MINUTE = 60_000;

describe.skipIf(skipUnlessLab({ files: [SNMPSIMD, '/usr/bin/ping'] }))(
  'contract: documented agent config → real agent → real collector → API and report',
  () => {
    let p: Practice;
    beforeAll(async () => {
      p = await startPractice();
    }, 90_000);
    afterAll(async () => {
      await p?.stop();
    }, 60_000);

    const activeAlerts = async (): Promise<ApiAlert[]> => (await p.get<{ items: ApiAlert[] }>(`/api/v1/alerts?practice=${ODS}&state=active&limit=1000`)).items;
    const summary = (alerts: readonly ApiAlert[]): string[] =>
      alerts.map((a) => `${a.rule.id} ${a.severity} ${a.labels.check ?? '?'}${a.labels.ifName === undefined ? '' : ` ${a.labels.ifName}`}`).sort();
    const checkIds = (): string[] => p.agentConfig.checks.map((c) => c.id ?? `${c.kind}:${String(c.target)}`);
    const deadHttpId = (): string => {
      const c = p.agentConfig.checks.find((x) => x.kind === 'http' && x.app === DEAD_HTTP_APP);
      return c?.id ?? `http:${String(c?.target)}`;
    };
    const router = (): ReturnType<typeof documentedRouter> => documentedRouter(p.doc);

    it(
      'dead national applications (closed TCP and HTTP ports) raise app-unreachable critical; healthy checks raise nothing',
      async () => {
        const dead = [DEAD_TCP_ID, deadHttpId()].sort();
        let last: ApiAlert[] = [];
        const alerts = await waitFor(
          'app-unreachable on both dead checks',
          async () => {
            last = await activeAlerts();
            const hits = last.filter((a) => a.rule.id === 'app-unreachable' && dead.includes(a.labels.check ?? ''));
            return hits.length === dead.length ? last : undefined;
          },
          { timeoutMs: 5 * MINUTE, intervalMs: 2000, describe: () => `${JSON.stringify(summary(last))}\n${p.output()}` },
        );
        for (const a of alerts.filter((x) => x.rule.id === 'app-unreachable')) {
          expect(a).toMatchObject({ severity: 'critical', area: 'national-apps', metric: 'probe_success', state: 'open', suppressed: false, value: 0 });
          expect(a.labels).toMatchObject({ role: 'national-app' });
        }
        // Everything else is healthy: the only other alert allowed is the national-link port's.
        const healthy = checkIds().filter((id) => !dead.includes(id));
        const unexpected = alerts.filter(
          (a) => !(a.rule.id === 'app-unreachable' && dead.includes(a.labels.check ?? '')) && a.rule.id !== 'wan-utilisation-p95',
        );
        expect(summary(unexpected), `healthy checks: ${healthy.join(', ')}`).toEqual([]);
      },
      6 * MINUTE,
    );

    it(
      'the documented national-link port (Dialer0, role n3-gateway, inBps 80 Mbit/s) at 80 % raises wan-utilisation-p95 warning',
      async () => {
        const wanSelector = router().interfaces.find((s) => s.role !== undefined);
        expect(wanSelector, 'the documented WAN interface selector').toMatchObject({ name: WAN_IF, inBps: 80_000_000, outBps: 20_000_000 });
        let last: ApiAlert[] = [];
        const wan = await waitFor(
          'the wan-utilisation-p95 alert',
          async () => {
            last = await activeAlerts();
            return last.find((a) => a.rule.id === 'wan-utilisation-p95');
          },
          { timeoutMs: 1.5 * MINUTE, intervalMs: 2000, describe: () => `${JSON.stringify(summary(last))}\n${p.output()}` },
        );
        expect(wan).toMatchObject({ severity: 'warning', area: 'national-link', metric: 'snmp_if_in_utilisation_ratio', state: 'open', unit: 'ratio' });
        expect(wan.labels).toMatchObject({ check: String(router().id), ifName: WAN_IF, role: 'n3-gateway' });
        expect(wan.value).toBeGreaterThan(0.75);
        expect(wan.value).toBeLessThan(0.9);
        // Outbound runs at 25 % of outBps, the LAN-side ports far below their speed: one alert only.
        expect(last.filter((a) => a.rule.id === 'wan-utilisation-p95')).toHaveLength(1);
      },
      2 * MINUTE,
    );

    it(
      'the practice status: national apps critical, national link warning, LAN ok — and every documented check delivered',
      async () => {
        let last: ApiPracticeDetail | undefined;
        const st = await waitFor(
          'the status to show the raised states',
          async () => {
            last = await p.get<ApiPracticeDetail>(`/api/v1/practices/${ODS}`);
            return last.areas?.['national-apps'] === 'critical' && last.areas?.['national-link'] === 'warning' ? last : undefined;
          },
          { timeoutMs: MINUTE, intervalMs: 1000, describe: () => JSON.stringify(last) },
        );
        expect(st.status).toBe('critical');
        expect(st.areas).toMatchObject({ lan: 'ok', agent: 'ok' });
        expect(st.openAlerts).toBe(3);
        const reasons = st.reasons.join('\n');
        expect(reasons).toContain(p.targets.deadTcp);
        expect(reasons).toContain(p.targets.deadHttpUrl);
        for (const healthy of [p.targets.tcpUrl, p.targets.http.url('/'), '127.0.0.1 ', '127.0.0.2', '127.0.0.3']) expect(reasons).not.toContain(healthy);
        // Every check of the derived config reached the collector under its documented id.
        const delivered = new Set(st.checks.filter((c) => c.lastTs !== null).map((c) => c.check));
        expect(checkIds().filter((id) => !delivered.has(id))).toEqual([]);
        // Left out only: what needs the outside world (DNS, throughput, a second switch) or depends on the machine (host).
        expect(p.dropped.filter((c) => !['dns', 'throughput', 'snmp', 'host'].includes(c.kind)).map((c) => c.id ?? c.kind)).toEqual([]);
      },
      1.5 * MINUTE,
    );

    it(
      "the month's report lists Dialer0 under WAN utilisation with its p95 and time over the warning level",
      async () => {
        const month = londonMonth(Date.now());
        let rows: Array<Record<string, string>> | undefined;
        await waitFor(
          'a WAN utilisation row for Dialer0 in the HTML report',
          async () => {
            rows = tableAfterHeading(await p.text(`/api/v1/reports/${ODS}/${month}?format=html`), 'WAN utilisation');
            return rows?.some((r) => r.Interface === WAN_IF && Number.isFinite(percent(r['Time over warning']))) === true ? rows : undefined;
          },
          { timeoutMs: 2 * MINUTE, intervalMs: 3000, describe: () => JSON.stringify(rows) },
        );
        // Only the national-link port is a WAN interface (Gi0/0 and Gi0/1 are selected without a role).
        expect(rows?.map((r) => r.Interface)).toEqual([WAN_IF]);
        const row = rows?.[0] ?? {};
        expect(percent(row['p95 in'])).toBeGreaterThan(0.75);
        expect(percent(row['p95 in'])).toBeLessThan(0.9);
        expect(percent(row['p95 out'])).toBeGreaterThan(0.2);
        expect(percent(row['p95 out'])).toBeLessThan(0.3);
        // Inbound samples are all over 75 %, outbound none: half the samples are over the warning level.
        expect(percent(row['Time over warning'])).toBeGreaterThan(0.45);
        expect(percent(row['Time over warning'])).toBeLessThan(0.55);
        expect(row['p95 vs rule']).toBe('warning');

        const csv = parseCsv(await p.text(`/api/v1/reports/${ODS}/${month}?format=csv`)).filter(
          (r) => r.section === 'national_link' && r.item?.endsWith(` ${WAN_IF}`),
        );
        const inP95 = csv.find((r) => r.measure === 'utilisation_in_p95');
        const outP95 = csv.find((r) => r.measure === 'utilisation_out_p95');
        expect(Number(inP95?.value)).toBeCloseTo(percent(row['p95 in']), 2);
        expect(inP95?.warning).toBe('0.75');
        expect(outP95?.verdict).toBe('warning');
      },
      3 * MINUTE,
    );

    it(
      'a branch-site ICMP check is judged by a branch rule of the default profile',
      async () => {
        // Whatever the branch rules are called, they select role branch-site; their area shows in the status.
        const profile = parse(readFileSync(DEFAULT_PROFILE, 'utf8')) as {
          rules: Array<{ id: string; kind: string; area?: string; scope?: string; select?: Array<{ labels?: Record<string, unknown> }> }>;
        };
        const selectsBranch = (r: (typeof profile.rules)[number]): boolean =>
          (r.select ?? []).some((s) => {
            const role = s.labels?.role;
            return role === 'branch-site' || (Array.isArray(role) && role.includes('branch-site'));
          });
        const branchRules = profile.rules.filter((r) => r.kind === 'threshold' && r.scope !== 'report' && selectsBranch(r));
        expect(
          branchRules.map((r) => r.id),
          'live rules of the default profile that select role branch-site',
        ).not.toEqual([]);
        const branchCheck = p.agentConfig.checks.find((c) => c.kind === 'icmp' && c.role === 'branch-site');
        expect(branchCheck, 'the documented branch-site ICMP check').toBeDefined();
        const areas = [...new Set(branchRules.map((r) => r.area ?? ''))];
        let last: ApiPracticeDetail | undefined;
        const st = await waitFor(
          `the branch rules' area (${areas.join(', ')}) in the status`,
          async () => {
            last = await p.get<ApiPracticeDetail>(`/api/v1/practices/${ODS}`);
            return areas.every((a) => last?.areas?.[a] !== undefined) ? last : undefined;
          },
          { timeoutMs: MINUTE, intervalMs: 1000, describe: () => JSON.stringify(last) },
        );
        // A healthy loopback branch link: judged, and ok.
        for (const a of areas) expect(st.areas?.[a], `area ${a}`).toBe('ok');
        expect(st.reasons.join('\n')).not.toContain(String(branchCheck?.target));
      },
      1.5 * MINUTE,
    );
  },
);
