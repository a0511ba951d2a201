import { describe, expect, it } from 'vitest';
import { phaseDurations, stageOf, sumPhases, type HopTimings } from '../../../../agent/src/probes/http/phases.ts';

const https: HopTimings = { start: 1000, dnsDone: 1004.5, connected: 1012, tlsDone: 1040, firstByte: 1340, done: 1545 };

describe('http phase arithmetic', () => {
  it('splits a complete https hop into back-to-back phases that add up to the total', () => {
    const d = phaseDurations(https);
    expect(d).toEqual({ dns: 4.5, connect: 7.5, tls: 28, ttfb: 300, transfer: 205 });
    const sum = Object.values(d).reduce((a, b) => a + b, 0);
    expect(sum).toBe(https.done! - https.start);
  });

  it('has no dns phase for an IP literal and no tls phase for plain http', () => {
    const d = phaseDurations({ start: 0, connected: 2, firstByte: 50, done: 60 });
    expect(d).toEqual({ connect: 2, ttfb: 48, transfer: 10 });
    expect('dns' in d).toBe(false);
    expect('tls' in d).toBe(false);
  });

  it('keeps the phases that finished when a later one failed', () => {
    expect(phaseDurations({ start: 0, dnsDone: 3, connected: 5 })).toEqual({ dns: 3, connect: 2 });
    expect(phaseDurations({ start: 0, dnsDone: 3 })).toEqual({ dns: 3 });
    expect(phaseDurations({ start: 0, connected: 1, tlsDone: 9, firstByte: 30 })).toEqual({ connect: 1, tls: 8, ttfb: 21 });
  });

  it('never reports a negative phase', () => {
    expect(phaseDurations({ start: 10, connected: 9, firstByte: 12, done: 12 })).toEqual({ connect: 0, ttfb: 3, transfer: 0 });
  });

  it('sums each phase over a redirect chain', () => {
    const hop2: HopTimings = { start: 2000, connected: 2001, firstByte: 2011, done: 2012 };
    expect(sumPhases([https, hop2])).toEqual({ dns: 4.5, connect: 8.5, tls: 28, ttfb: 310, transfer: 206 });
  });

  it('names the stage a hop stopped in', () => {
    const name = { isName: true, isTls: true };
    expect(stageOf({ start: 0 }, name)).toBe('dns');
    expect(stageOf({ start: 0 }, { isName: false, isTls: true })).toBe('connect');
    expect(stageOf({ start: 0, dnsDone: 1 }, name)).toBe('connect');
    expect(stageOf({ start: 0, dnsDone: 1, connected: 2 }, name)).toBe('tls');
    expect(stageOf({ start: 0, connected: 2 }, { isName: false, isTls: false })).toBe('request');
    expect(stageOf({ start: 0, dnsDone: 1, connected: 2, tlsDone: 3, firstByte: 4 }, name)).toBe('transfer');
  });
});
