/**
 * The rule evaluator: event-time evaluation of every live rule against every series it selects.
 *
 * Each agent has a cursor in event time. Ingest tells the evaluator about every acknowledged batch
 * (onBatch: the agent's newest sample time — its high-water mark — and arrival time); a tick then
 * evaluates every step of `stepMs` up to `min(now, highWater) − graceMs`, reading from the store
 * only the samples it has not read yet. Samples of an agent arrive in order (its spool delivers
 * oldest first), so a backlog delivered after an outage is evaluated step by step exactly as if
 * it had arrived live; a silent agent's cursor waits. Agent silence itself is judged by arrival
 * time (see silence.ts).
 *
 * Series are found with findSeries: all of them at the first tick and every `rediscoverMs` (1 h), and
 * per agent when the agent is new or the store's series count grew while it delivered. A series
 * without samples for `retireAfterMs` whose states are all ok is dropped (found again if it
 * comes back).
 */
import type { Clock } from '../../../shared/src/clock.ts';
import type { Logger } from '../../../shared/src/log.ts';
import type { SeriesStore, StoredSeries } from '../storage/types.ts';
import type { IngestedBatch, IngestObserver } from '../status/provider.ts';
import { aggregateValues, downForSeconds, Scratch, trackDown } from './aggregate.ts';
import { ActiveCauses } from './causes.ts';
import { createCoreCalendar, type CoreCalendar } from '../../../shared/src/calendar/core-hours.ts';
import { areaOf, ruleMatches } from './compiled.ts';
import { sameCause, silenceSeriesId, type CauseRef, type EvaluationEvent, type EvaluationSink, type PersistedRuleState, type RuleStateView } from './events.ts';
import type { ThresholdProfiles } from './profile.ts';
import { SeriesWindow } from './series-window.ts';
import { loadAgentBacklog, loadWindows, type PlannedAgent } from './window-loads.ts';
import { silenceStep } from './silence.ts';
import { newState, step, type Transition } from './state-machine.ts';
import { judgedSeries, mergePoints, signature, silentAgent, type AgentTrack, type Binding, type SeriesTrack } from './tracks.ts';
import { practiceSummaries, stateViews, type PracticeRuleSummary } from './views.ts';

export type { PracticeRuleSummary } from './views.ts';

export interface EvaluatorOptions {
  /** Evaluation step in event time; evaluations happen at multiples of it. */
  stepMs: number;
  /** How late an agent's samples may be relative to its newest one and still be evaluated. */
  graceMs: number;
  /** Where a new agent's evaluation starts, before its newest sample. */
  initialLookbackMs: number;
  /** Most steps per agent per tick (a long backlog is caught up over several ticks). */
  maxStepsPerTick: number;
  /** How often every series is looked up again (new series are otherwise found per agent). */
  rediscoverMs: number;
  /** A series quiet this long (and ok) stops being evaluated. */
  retireAfterMs: number;
}

export const DEFAULT_EVALUATOR_OPTIONS: Readonly<EvaluatorOptions> = Object.freeze({
  stepMs: 60_000,
  graceMs: 120_000,
  initialLookbackMs: 6 * 3_600_000,
  maxStepsPerTick: 1440,
  rediscoverMs: 60 * 60_000,
  retireAfterMs: 24 * 3_600_000,
});

export interface AgentPresence {
  practice: string;
  agent: string;
  /** When the collector last received a batch from the agent (arrival time). */
  lastSeen?: number;
}

export interface EvaluatorDeps {
  source: Pick<SeriesStore, 'findSeries' | 'raw' | 'rawMany' | 'stats'>;
  profiles: ThresholdProfiles;
  clock: Clock;
  sink: EvaluationSink;
  log: Logger;
  /** Agents known at start and when they were last heard from (meta.db), for agent silence. */
  agents?: readonly AgentPresence[];
  options?: Partial<EvaluatorOptions>;
  /** Core hours for rules with `hours: core` (default: 08:00–18:30 Mon–Fri Europe/London, E&W bank holidays). */
  calendar?: Pick<CoreCalendar, 'isCoreTime'>;
  /** Saved state to resume from (cursors and the states that were kept). */
  restore?: { cursors: readonly { practice: string; agent: string; evaluatedUntil: number }[]; states: readonly PersistedRuleState[] };
}

export interface TickReport {
  agents: number;
  series: number;
  steps: number;
  evaluations: number;
  events: number;
  /** Series dropped for being quiet too long. */
  retired: number;
  /** Largest distance between now and an agent's cursor, ms. */
  maxLagMs: number;
  durationMs: number;
}

export interface AgentProgress {
  practice: string;
  agent: string;
  evaluatedUntil?: number;
  highWater: number;
  silent: boolean;
}

export interface RuleEvaluator extends IngestObserver {
  tick(): Promise<TickReport>;
  /** Current rule states, optionally of one practice. */
  states(practice?: string): RuleStateView[];
  /** Per practice: the worst level per area and overall, and the states that are not ok. */
  summaries(practices?: ReadonlySet<string>): Map<string, PracticeRuleSummary>;
  /** Practices whose shown states may have changed since the last call (status refreshes only those). */
  takeChanged(): Set<string>;
  progress(): AgentProgress[];
  /**
   * Activity of an agent seen by another collector (the shared batch table, collector/src/ha/):
   * the same effect as onBatch without the samples — its high-water mark and arrival time move
   * forward (never back), and its series are looked up again when the store grew.
   */
  noteActivity(a: AgentActivityNote): void;
}

export interface AgentActivityNote {
  practice: string;
  agent: string;
  /** Newest sample time of the agent's batches (event time). */
  highWater: number;
  /** When a collector last received a batch from it (arrival time). */
  lastSeen: number;
}

const alignDown = (t: number, step: number): number => Math.floor(t / step) * step;

export function createEvaluator(deps: EvaluatorDeps): RuleEvaluator {
  const opt: EvaluatorOptions = { ...DEFAULT_EVALUATOR_OPTIONS, ...deps.options };
  const log = deps.log.child({ component: 'rules' });
  const agents = new Map<string, AgentTrack>();
  let lastFullDiscovery: number | undefined;
  let lastSeriesCount = -1;
  const unmatched = new Set<string>();
  const changedPractices = new Set<string>();
  let defaultCalendar: CoreCalendar | undefined;
  const calendar: Pick<CoreCalendar, 'isCoreTime'> = deps.calendar ?? { isCoreTime: (ts) => (defaultCalendar ??= createCoreCalendar()).isCoreTime(ts) };
  const causes = new ActiveCauses();
  const scratch = new Scratch();
  const restoredCursors = new Map((deps.restore?.cursors ?? []).map((c) => [`${c.practice}\u0000${c.agent}`, c.evaluatedUntil]));
  const restoredStates = new Map((deps.restore?.states ?? []).map((p) => [`${p.seriesId}\u0000${p.ruleId}`, p]));
  const liveMetrics = new Set<string>(deps.profiles.organisation.liveMetrics);
  // Silence is only judged for time this collector was running to hear agents: after a restart
  // an agent last heard before the start is not called silent until it has been quiet since then.
  const startedAt = deps.clock.now();
  for (const ods of deps.profiles.overridden) for (const m of deps.profiles.forPractice(ods).liveMetrics) liveMetrics.add(m);

  const emit = (e: EvaluationEvent): void => {
    try {
      deps.sink.onEvent(e);
    } catch (err) {
      log.error({ err, ruleId: e.rule.id, seriesId: e.seriesId }, 'alert sink failed on an event');
    }
  };

  const agentOf = (practice: string, agent: string): AgentTrack => {
    const key = `${practice}\u0000${agent}`;
    let a = agents.get(key);
    if (a === undefined) {
      const cursor = restoredCursors.get(key);
      a = {
        practice,
        agent,
        high: -Infinity,
        undiscovered: true,
        active: false,
        series: new Map(),
        ordered: undefined,
        silence: new Map(),
        ...(cursor === undefined ? {} : { cursor }),
      };
      agents.set(key, a);
    }
    return a;
  };
  for (const p of deps.agents ?? []) {
    const a = agentOf(p.practice, p.agent);
    if (p.lastSeen !== undefined) a.lastSeen = p.lastSeen;
  }

  const track = (stored: StoredSeries): void => {
    if (unmatched.has(stored.id)) return;
    const s = judgedSeries(stored);
    const a = agentOf(s.practice, s.agent);
    if (s.lastTs !== undefined && s.lastTs > a.high) a.high = s.lastTs;
    const known = a.series.get(s.id);
    if (known !== undefined) {
      if (!known.members.includes(stored.id)) {
        // another outcome of the same check: read the window again from all of them
        known.members.push(stored.id);
        known.win = new SeriesWindow();
      }
      const lastTs = Math.max(known.s.lastTs ?? -Infinity, s.lastTs ?? -Infinity);
      known.s = Number.isFinite(lastTs) ? { ...s, lastTs } : s;
      if (s.lastTs !== undefined && s.lastTs > known.newest) known.newest = s.lastTs;
      return;
    }
    const profile = deps.profiles.forPractice(s.practice);
    const bindings: Binding[] = [];
    profile.live.forEach((rule, order) => {
      if (!ruleMatches(rule, s.metric, s.labels)) return;
      const saved = restoredStates.get(`${s.id}\u0000${rule.id}`);
      const b: Binding = {
        rule,
        order,
        area: areaOf(rule, s.labels),
        state: saved?.state ?? newState(),
        ...(saved?.cause === undefined ? {} : { cause: saved.cause }),
        savedSig: '',
        known: saved !== undefined,
      };
      b.savedSig = signature(b);
      if (b.state.held !== 'ok') causes.set({ ruleId: rule.id, practice: s.practice, agent: s.agent, seriesId: s.id }, true);
      bindings.push(b);
    });
    if (bindings.length === 0) {
      unmatched.add(stored.id);
      return;
    }
    const keepMs = Math.max(opt.stepMs, ...bindings.map((b) => b.rule.windowMs ?? 0));
    a.series.set(s.id, { s, members: [stored.id], win: new SeriesWindow(), keepMs, bindings, newest: s.lastTs ?? -Infinity });
    changedPractices.add(s.practice);
    a.ordered = undefined;
  };

  const event = (
    a: AgentTrack,
    t: SeriesTrack,
    b: Binding,
    kind: EvaluationEvent['kind'],
    tr: Transition | undefined,
    at: number,
    cause?: CauseRef,
  ): EvaluationEvent => ({
    kind,
    practice: a.practice,
    agent: a.agent,
    seriesId: t.s.id,
    metric: t.s.metric,
    labels: t.s.labels,
    rule: b.rule,
    area: b.area,
    at,
    startedAt: tr?.startedAt ?? b.state.episodeStart ?? at,
    ...(tr?.endedAt === undefined ? {} : { endedAt: tr.endedAt }),
    severity: b.state.held,
    previous: tr?.from ?? b.state.held,
    peak: tr?.kind === 'clear' ? tr.from : (b.state.peak ?? b.state.held),
    ...(b.state.value === undefined ? {} : { value: b.state.value }),
    ...(cause === undefined ? {} : { cause }),
  });

  const evaluateBinding = (a: AgentTrack, t: SeriesTrack, b: Binding, at: number): number => {
    const rule = b.rule;
    const w = rule.windowMs as number;
    const lo = t.win.lowerBound(at - w);
    const hi = t.win.lowerBound(at);
    let value: number | undefined;
    if (rule.aggregate === 'down_for') {
      const clo = t.win.lowerBound(b.state.evaluatedAt ?? at - w);
      b.state.downSince = trackDown(b.state.downSince, t.win.ts, t.win.vals, clo, hi);
      value = hi > lo ? downForSeconds(at, b.state.downSince) : undefined;
    } else {
      value = aggregateValues(rule.aggregate, t.win.vals, lo, hi, scratch);
    }
    const before = b.state.level;
    const tr = step(rule, b.state, at, value);
    if (value !== undefined && !b.known) {
      b.known = true;
      changedPractices.add(a.practice);
    }
    // Shown states: a level change, or a not-ok state whose value (in its reason) moved.
    if (before !== b.state.level || b.state.level !== 'ok') changedPractices.add(a.practice);
    let events = 0;
    if (tr?.kind === 'raise' || tr?.kind === 'clear')
      causes.set({ ruleId: rule.id, practice: a.practice, agent: a.agent, seriesId: t.s.id }, tr.kind === 'raise');
    if (b.state.held === 'ok') {
      if (tr !== undefined) {
        emit(event(a, t, b, tr.kind, tr, at, b.cause));
        events++;
      }
      delete b.cause;
      return events;
    }
    const cause = rule.suppressedBy.length > 0 ? causes.first(a.practice, rule.suppressedBy) : undefined;
    if (tr?.kind === 'raise') {
      if (cause === undefined) delete b.cause;
      else b.cause = cause;
      emit(event(a, t, b, 'raise', tr, at, cause));
      return 1;
    }
    if (!sameCause(cause, b.cause)) {
      const before = b.cause;
      if (cause === undefined) delete b.cause;
      else b.cause = cause;
      emit(event(a, t, b, cause === undefined ? 'unsuppress' : 'suppress', undefined, at, cause ?? before));
      events++;
    }
    if (tr !== undefined) {
      emit(event(a, t, b, tr.kind, tr, at, b.cause));
      events++;
    }
    return events;
  };

  /** The steps an agent is due for in this tick (its cursor set on first sight), if any. */
  const planAgent = (a: AgentTrack, now: number): PlannedAgent | undefined => {
    if (a.series.size === 0 || a.high === -Infinity) return undefined;
    const target = alignDown(Math.min(now, a.high) - opt.graceMs, opt.stepMs);
    if (a.cursor === undefined) a.cursor = alignDown(target - opt.initialLookbackMs, opt.stepMs);
    if (target <= a.cursor) return undefined;
    return { series: a.series, first: a.cursor + opt.stepMs, last: Math.min(target, a.cursor + opt.maxStepsPerTick * opt.stepMs) };
  };

  const evaluateAgent = async (a: AgentTrack, plan: PlannedAgent | undefined, report: TickReport): Promise<void> => {
    if (plan === undefined) return;
    const { first, last } = plan;
    // Windows not filled by loadWindows (a long backlog): per agent in one read per range, or (a
    // store without rawMany) per series.
    if (!(await loadAgentBacklog(deps.source, a.series.values(), first, last)))
      for (const t of a.series.values()) {
        const from = t.win.loadedUntil ?? first - t.keepMs;
        if (last > from) {
          const points = mergePoints(await Promise.all(t.members.map((id) => deps.source.raw(id, from, last))));
          t.win.append(points, last);
          const newest = points.at(-1)?.ts;
          if (newest !== undefined && newest > t.newest) t.newest = newest;
        }
      }
    if (a.ordered === undefined) {
      a.ordered = [];
      for (const track of a.series.values()) for (const binding of track.bindings) a.ordered.push({ track, binding });
      a.ordered.sort((x, y) => x.binding.order - y.binding.order);
    }
    for (let at = first; at <= last; at += opt.stepMs) {
      let core: boolean | undefined;
      for (const { track, binding } of a.ordered) {
        if (binding.rule.coreHoursOnly) {
          // Core-hours rules: the evaluation at `at` covers the step before it.
          core ??= calendar.isCoreTime(at - 1);
          if (!core) continue;
        }
        report.events += evaluateBinding(a, track, binding, at);
        report.evaluations++;
      }
      report.steps++;
    }
    a.cursor = last;
    for (const t of a.series.values()) t.win.evictBefore(last + opt.stepMs - t.keepMs);
    for (const [id, t] of a.series) {
      if (t.newest >= last - opt.retireAfterMs || t.bindings.some((b) => b.state.held !== 'ok')) continue;
      a.series.delete(id);
      changedPractices.add(a.practice);
      a.ordered = undefined;
      report.retired++;
    }
    const changed: PersistedRuleState[] = [];
    for (const { track, binding } of a.ordered ?? []) {
      const sig = signature(binding);
      if (sig === binding.savedSig) continue;
      binding.savedSig = sig;
      changed.push({
        practice: a.practice,
        agent: a.agent,
        seriesId: track.s.id,
        ruleId: binding.rule.id,
        state: { ...binding.state },
        ...(binding.cause === undefined ? {} : { cause: binding.cause }),
      });
    }
    try {
      deps.sink.onProgress?.({ practice: a.practice, agent: a.agent, evaluatedUntil: last, changed });
    } catch (err) {
      log.error({ err, practice: a.practice, agent: a.agent }, 'alert sink failed on progress');
    }
  };

  const checkSilence = (now: number, report: TickReport): void => {
    for (const a of agents.values()) {
      const rules = deps.profiles.forPractice(a.practice).silence;
      if (rules.length === 0 || a.lastSeen === undefined) continue;
      const seriesId = silenceSeriesId(a.practice, a.agent);
      for (const rule of rules) {
        let s = a.silence.get(rule.id);
        if (s === undefined) a.silence.set(rule.id, (s = { held: 'ok' }));
        const tr = silenceStep(rule, s, now, Math.max(a.lastSeen, startedAt));
        if (tr === undefined) continue;
        causes.set({ ruleId: rule.id, practice: a.practice, agent: a.agent, seriesId }, s.held !== 'ok');
        changedPractices.add(a.practice);
        emit({
          kind: tr.kind,
          practice: a.practice,
          agent: a.agent,
          seriesId,
          metric: 'agent_silence',
          labels: {},
          rule,
          area: 'agent',
          at: now,
          startedAt: tr.startedAt,
          ...(tr.endedAt === undefined ? {} : { endedAt: tr.endedAt }),
          severity: s.held,
          previous: tr.from,
          peak: tr.kind === 'clear' ? tr.from : s.held,
          value: tr.value,
        });
        report.events++;
      }
    }
  };

  const discover = async (now: number): Promise<void> => {
    const metric = [...liveMetrics];
    // Read the series count and take (and clear) the agents' flags in one synchronous step, before
    // any await: an agent first heard, or a batch that adds series, while the store is being read
    // sets them again and is looked up at the next tick instead of being marked found unseen.
    const count = deps.source.stats().series;
    const grew = count !== lastSeriesCount;
    lastSeriesCount = count;
    const full = lastFullDiscovery === undefined || now - lastFullDiscovery >= opt.rediscoverMs;
    const due: AgentTrack[] = [];
    for (const a of agents.values()) {
      if (a.undiscovered || (grew && a.active)) due.push(a);
      a.undiscovered = false;
      a.active = false;
    }
    if (full) {
      for (const s of await deps.source.findSeries({ metric })) track(s); // on failure, the next tick is full again
      lastFullDiscovery = now;
      return;
    }
    let i = 0;
    try {
      for (; i < due.length; i++) {
        const a = due[i] as AgentTrack;
        for (const s of await deps.source.findSeries({ practice: a.practice, agent: a.agent, metric })) track(s);
      }
    } catch (err) {
      for (const a of due.slice(i)) a.undiscovered = true; // looked up again at the next tick
      throw err;
    }
  };

  const noted = (a: AgentTrack, high: number, receivedAt: number): void => {
    if (high > a.high) a.high = high;
    if (a.lastSeen === undefined || receivedAt > a.lastSeen) a.lastSeen = receivedAt;
    a.active = true;
  };

  return {
    onBatch(b: IngestedBatch): void {
      const a = agentOf(b.practice, b.agent);
      let high = a.high;
      const samples = b.samples;
      for (let i = 0; i < samples.length; i++) {
        const ts = (samples[i] as (typeof samples)[number]).ts;
        if (ts > high) high = ts;
      }
      noted(a, high, b.receivedAt);
    },

    noteActivity(n: AgentActivityNote): void {
      const a = agentOf(n.practice, n.agent);
      if (n.highWater <= a.high && a.lastSeen !== undefined && n.lastSeen <= a.lastSeen) return; // nothing new: no lookup
      noted(a, n.highWater, n.lastSeen);
    },

    async tick(): Promise<TickReport> {
      const started = deps.clock.monotonic();
      const now = deps.clock.now();
      const report: TickReport = { agents: 0, series: 0, steps: 0, evaluations: 0, events: 0, retired: 0, maxLagMs: 0, durationMs: 0 };
      checkSilence(now, report);
      await discover(now);
      const plans = new Map<AgentTrack, PlannedAgent>();
      for (const a of agents.values()) {
        const plan = planAgent(a, now);
        if (plan !== undefined) plans.set(a, plan);
      }
      await loadWindows(deps.source, [...plans.values()]);
      for (const a of agents.values()) {
        await evaluateAgent(a, plans.get(a), report);
        report.agents++;
        report.series += a.series.size;
        if (a.cursor !== undefined && a.series.size > 0) report.maxLagMs = Math.max(report.maxLagMs, now - a.cursor);
      }
      report.durationMs = deps.clock.monotonic() - started;
      return report;
    },

    states(practice?: string): RuleStateView[] {
      return stateViews(agents.values(), deps.profiles, practice);
    },

    summaries(practices?: ReadonlySet<string>): Map<string, PracticeRuleSummary> {
      return practiceSummaries(agents.values(), deps.profiles, practices);
    },

    takeChanged(): Set<string> {
      const out = new Set(changedPractices);
      changedPractices.clear();
      return out;
    },

    progress(): AgentProgress[] {
      return [...agents.values()].map((a) => ({
        practice: a.practice,
        agent: a.agent,
        highWater: a.high,
        silent: silentAgent(a),
        ...(a.cursor === undefined ? {} : { evaluatedUntil: a.cursor }),
      }));
    },
  };
}
