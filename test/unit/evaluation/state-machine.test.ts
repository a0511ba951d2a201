import { describe, expect, it } from 'vitest';
import { classify, newState, step, worstLevel, type StateRule, type Transition } from '../../../collector/src/evaluation/state-machine.ts';

const M = 60_000;
/** Run values at t = 1, 2, 3… minutes; returns the transitions with their minute. */
function run(rule: StateRule, values: (number | undefined)[], state = newState()): { state: ReturnType<typeof newState>; log: string[]; trs: Transition[] } {
  const log: string[] = [];
  const trs: Transition[] = [];
  values.forEach((v, i) => {
    const tr = step(rule, state, (i + 1) * M, v);
    if (tr !== undefined) {
      trs.push(tr);
      log.push(`${i + 1}:${tr.kind}:${tr.from}->${tr.to}@${tr.startedAt / M}${tr.endedAt === undefined ? '' : `-${tr.endedAt / M}`}`);
    }
  });
  return { state, log, trs };
}

const rtt: StateRule = { compare: 'above', warning: 60, critical: 150, clearWarning: 50, clearCritical: 120, sustain: 3, clearSustain: 1 };
const avail: StateRule = { compare: 'below', warning: 0.9, critical: 0.5, clearWarning: 0.95, clearCritical: 0.8, sustain: 3, clearSustain: 1 };

describe('rule state machine', () => {
  it('raises only after 3 consecutive breaching evaluations; the episode starts at the first', () => {
    expect(run(rtt, [70, 70]).log).toEqual([]);
    expect(run(rtt, [40, 70, 70, 70]).log).toEqual(['4:raise:ok->warning@2']);
  });

  it('a run broken by one good evaluation starts again', () => {
    expect(run(rtt, [70, 70, 40, 70, 70]).log).toEqual([]);
    expect(run(rtt, [70, 70, 40, 70, 70, 70]).log).toEqual(['6:raise:ok->warning@4']);
  });

  it('sustained critical values raise critical directly; mixed values raise warning then escalate', () => {
    expect(run(rtt, [200, 200, 200]).log).toEqual(['3:raise:ok->critical@1']);
    expect(run(rtt, [70, 70, 200, 200, 200]).log).toEqual(['3:raise:ok->warning@1', '5:escalate:warning->critical@1']);
  });

  it('hysteresis: stays raised between the clear level and the raise level, clears at the clear level', () => {
    const r = run(rtt, [70, 70, 70, 59, 55, 51, 50]);
    expect(r.log).toEqual(['3:raise:ok->warning@1', '7:clear:warning->ok@1-7']);
    expect(r.state.held).toBe('ok');
  });

  it('critical comes down to warning at its clear level, and clears fully at the warning clear level', () => {
    const r = run(rtt, [200, 200, 200, 140, 130, 120, 100, 45]);
    expect(r.log).toEqual(['3:raise:ok->critical@1', '6:deescalate:critical->warning@1', '8:clear:warning->ok@1-8']);
    expect(r.trs[2]?.kind).toBe('clear');
  });

  it('straight from critical to ok when the value drops below both clear levels', () => {
    expect(run(rtt, [200, 200, 200, 10]).log).toEqual(['3:raise:ok->critical@1', '4:clear:critical->ok@1-4']);
  });

  it('compare below (availability) mirrors compare above', () => {
    expect(run(avail, [0.85, 0.85, 0.85, 0.92, 0.95]).log).toEqual(['3:raise:ok->warning@1', '5:clear:warning->ok@1-5']);
    expect(run(avail, [0.2, 0.2, 0.2, 0.7, 0.85, 0.99]).log).toEqual(['3:raise:ok->critical@1', '5:deescalate:critical->warning@1', '6:clear:warning->ok@1-6']);
  });

  it('no data is unknown: the alert is not resolved and the held severity is kept', () => {
    const r = run(rtt, [70, 70, 70, undefined, undefined]);
    expect(r.log).toEqual(['3:raise:ok->warning@1']);
    expect(r.state.level).toBe('unknown');
    expect(r.state.held).toBe('warning');
    // When data comes back good, then it clears — with its real end time.
    const more = run(rtt, [70, 70, 70, undefined, undefined, 30]);
    expect(more.log).toEqual(['3:raise:ok->warning@1', '6:clear:warning->ok@1-6']);
  });

  it('unknown breaks a breach run: it never counts towards sustain', () => {
    expect(run(rtt, [70, 70, undefined, 70, 70]).log).toEqual([]);
    expect(run(rtt, [undefined, undefined, undefined]).state.level).toBe('unknown');
    expect(run(rtt, [Number.NaN]).state.level).toBe('unknown');
  });

  it('clearSustain: several calm evaluations to clear; the end is the first of them', () => {
    const rule = { ...rtt, clearSustain: 3 };
    expect(run(rule, [70, 70, 70, 40, 40, 70, 40, 40, 40]).log).toEqual(['3:raise:ok->warning@1', '9:clear:warning->ok@1-7']);
  });

  it('critical-only and warning-only rules', () => {
    const down: StateRule = { compare: 'below', critical: 0.5, clearCritical: 0.8, sustain: 2, clearSustain: 1 };
    expect(run(down, [0.4, 0.6, 0.3, 0.3, 0.7, 0.9]).log).toEqual(['4:raise:ok->critical@3', '6:clear:critical->ok@3-6']);
    const month: StateRule = { compare: 'below', warning: 0.99, clearWarning: 0.99, sustain: 1, clearSustain: 1 };
    expect(run(month, [0.98, 0.995]).log).toEqual(['1:raise:ok->warning@1', '2:clear:warning->ok@1-2']);
    expect(run(month, [0.2]).state.held).toBe('warning');
  });

  it('levels are strict: exactly at the level is not a breach', () => {
    expect(classify(rtt, 60)).toBe('ok');
    expect(classify(rtt, 60.001)).toBe('warning');
    expect(classify(rtt, 150.5)).toBe('critical');
    expect(classify(avail, 0.9)).toBe('ok');
    expect(classify(avail, 0.49)).toBe('critical');
  });

  it('the worst level: critical > warning > unknown > ok', () => {
    expect(worstLevel(['ok', 'unknown', 'ok'])).toBe('unknown');
    expect(worstLevel(['ok', 'warning', 'unknown'])).toBe('warning');
    expect(worstLevel(['critical', 'warning'])).toBe('critical');
    expect(worstLevel([])).toBe('unknown');
    expect(worstLevel(['ok'])).toBe('ok');
  });
});
