/** Recorded poll sequences (test/fixtures/snmp/sequences/, made by test/lab/snmp/record-fixtures.ts). */
import { readFileSync } from 'node:fs';
import { evaluatePoll, type DeviceState, type Evaluation } from '../../../../agent/src/probes/snmp/rates.ts';
import { snapshotFromJson, type DeviceSnapshot } from '../../../../agent/src/probes/snmp/snapshot.ts';
import { compileSelectors, selectInterfaces } from '../../../../agent/src/probes/snmp/select.ts';
import type { InterfaceSelector } from '../../../../agent/src/probes/snmp/schema.ts';
import type { ProbeSample } from '../../../../agent/src/probes/types.ts';
import { FIXTURES } from './fake-device.ts';

export interface RecordedSequence {
  scenario: string;
  description: string;
  version: '1' | '2c' | '3';
  /** ifIndex → { inOctetsPerS, outOctetsPerS, inErrorsPerS, outDiscardsPerS … } the device was made to grow at. */
  known?: Record<string, Record<string, number>>;
  polls: DeviceSnapshot[];
}

export function loadSequence(scenario: string): RecordedSequence {
  const raw = JSON.parse(readFileSync(new URL(`sequences/${scenario}.json`, FIXTURES), 'utf8')) as RecordedSequence;
  return { ...raw, polls: raw.polls.map((p) => snapshotFromJson(p)) };
}

/** Feeds the polls through evaluatePoll in order, as the probe does between runs. */
export function replay(polls: readonly DeviceSnapshot[], selectors?: InterfaceSelector[]): Evaluation[] {
  const compiled = compileSelectors(selectors);
  let state: DeviceState | undefined;
  return polls.map((snap) => {
    const e = evaluatePoll(state, snap, selectInterfaces(snap.interfaces, compiled));
    state = e.state;
    return e;
  });
}

export function sample(e: Evaluation, metric: string, ifIndex?: number): ProbeSample | undefined {
  return e.samples.find((s) => s.metric === metric && (ifIndex === undefined || s.labels?.ifIndex === String(ifIndex)));
}

export function relErr(measured: number, expected: number): number {
  return Math.abs(measured - expected) / expected;
}
