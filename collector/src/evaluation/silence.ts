/**
 * Agent silence: the one rule judged by arrival time. An agent not heard from for the rule's
 * warning / critical duration is silent; it ends when the agent is heard again. The episode
 * starts when the agent was last heard and ends when it was heard again.
 */
import type { CompiledSilenceRule } from './compiled.ts';
import type { Severity, Transition } from './state-machine.ts';

export interface SilenceState {
  held: Severity;
  episodeStart?: number;
  lastSeen?: number;
}

export function silenceStep(rule: CompiledSilenceRule, s: SilenceState, now: number, lastSeen: number | undefined): Transition | undefined {
  if (lastSeen === undefined) return undefined;
  const quiet = now - lastSeen;
  const to: Severity =
    rule.criticalMs !== undefined && quiet >= rule.criticalMs ? 'critical' : rule.warningMs !== undefined && quiet >= rule.warningMs ? 'warning' : 'ok';
  const from = s.held;
  const heardAgain = s.lastSeen !== undefined && lastSeen > s.lastSeen;
  s.lastSeen = lastSeen;
  const value = quiet / 1000;
  if (from === 'ok') {
    if (to === 'ok') return undefined;
    s.held = to;
    s.episodeStart = lastSeen;
    return { kind: 'raise', from, to, at: now, startedAt: lastSeen, value };
  }
  const startedAt = s.episodeStart ?? lastSeen;
  if (to === 'ok' || heardAgain) {
    // Heard again: the silence ended when the agent's data arrived, however briefly.
    s.held = 'ok';
    delete s.episodeStart;
    const clear: Transition = { kind: 'clear', from, to: 'ok', at: now, startedAt, endedAt: lastSeen, value };
    return clear;
  }
  if (to === 'critical' && from === 'warning') {
    s.held = 'critical';
    return { kind: 'escalate', from, to, at: now, startedAt, value };
  }
  return undefined;
}
