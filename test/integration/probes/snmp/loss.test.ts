// Loss on UDP/161 in the lab: snmpd in a network namespace behind a veth pair, nftables dropping
// 15 % of the requests going in and 15 % of the replies coming out. Every poll must still be
// complete — retried requests, smaller GETBULKs — and the loss must really have bitten.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSnmpProbe } from '../../../../agent/src/probes/snmp/probe.ts';
import { openNetSnmpSession } from '../../../../agent/src/probes/snmp/net-snmp-session.ts';
import type { SessionFactory } from '../../../../agent/src/probes/snmp/session.ts';
import { skipUnlessLab } from '../../../helpers/lab-guard.ts';
import { createLab, LAB_REQUIREMENTS, type Lab } from '../../../lab/lab.ts';
import { SNMPD, snmpAnswers, snmpdConfig } from '../../../lab/snmp/daemons.ts';
import { runOnce, sleep, snmpCheck } from './helpers.ts';

const PORT = 16100;
const POLLS = 12;

describe.skipIf(skipUnlessLab({ ...LAB_REQUIREMENTS, files: [...LAB_REQUIREMENTS.files, SNMPD] }))(
  'snmp polls under 15 % loss each way on UDP/161 (lab)',
  () => {
    let lab: Lab;
    let dir: string;
    beforeAll(async () => {
      lab = await createLab({ name: 'snmp-loss' });
      dir = mkdtempSync(join(tmpdir(), 'n3mon-snmp-loss-'));
      lab.spawnInNs(SNMPD, snmpdConfig({ dir, port: PORT, address: lab.nsIp, community: 'public' }));
      const deadline = Date.now() + 10_000;
      while (!(await snmpAnswers({ host: lab.nsIp, port: PORT, version: '2c', community: 'public' }))) {
        if (Date.now() > deadline) throw new Error('snmpd in the lab namespace did not answer');
        await sleep(100);
      }
    });
    afterAll(async () => {
      await lab?.destroy();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    it(`all ${POLLS} polls complete, with every interface, although requests and replies are lost`, async () => {
      let timeouts = 0;
      const counting: SessionFactory = async (params, signal) => {
        const opened = await openNetSnmpSession(params, signal);
        if (!opened.ok) return opened;
        const s = opened.value;
        const count = <T extends { ok: boolean; failure?: { kind: string } }>(r: T): T => {
          if (!r.ok && r.failure?.kind === 'timeout') timeouts++;
          return r;
        };
        return {
          ok: true,
          value: {
            get: async (o, sig) => count(await s.get(o, sig)),
            getNext: async (o, sig) => count(await s.getNext(o, sig)),
            getBulk: async (o, r, sig) => count(await s.getBulk(o, r, sig)),
            close: () => s.close(),
          },
        };
      };
      const check = snmpCheck({ target: `${lab.nsIp}:${PORT}`, version: '2c', community: 'public', requestTimeoutMs: 300, retries: 6, maxRepetitions: 4 });
      const probe = createSnmpProbe(check, { openSession: counting });
      const clean = await runOnce(probe);
      expect(clean.outcome).toBe('success');
      const interfaces = clean.samples.filter((s) => s.metric === 'snmp_if_oper_up').length;
      expect(interfaces).toBeGreaterThanOrEqual(2); // lo and the veth end

      await lab.setLoss({ percent: 15, protocol: 'udp', port: PORT, direction: 'in' });
      await lab.setLoss({ percent: 15, protocol: 'udp', port: PORT, direction: 'out' });
      for (let i = 0; i < POLLS; i++) {
        const r = await runOnce(probe);
        expect(r.outcome, r.message).toBe('success');
        expect(r.samples.filter((s) => s.metric === 'snmp_if_oper_up')).toHaveLength(interfaces);
      }
      expect(timeouts).toBeGreaterThan(0);
    });
  },
);
