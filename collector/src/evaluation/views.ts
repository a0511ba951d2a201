/**
 * Read-only views of the evaluator's rule states: every state (for the API and tests) and a
 * summary per practice (worst level overall and per area, the states that are not ok) for status.
 * While an agent is silent its states are shown `unknown`, explained by the silence.
 */
import type { StoredSeries } from '../storage/types.ts';
import type { CompiledRule } from './compiled.ts';
import { silenceSeriesId, type CauseRef, type RuleStateView } from './events.ts';
import type { ThresholdProfiles } from './profile.ts';
import type { Area } from './profile-schema.ts';
import { newState, SEVERITY_RANK, type RuleSeriesState, type StateLevel } from './state-machine.ts';
import { silentAgent, type AgentTrack } from './tracks.ts';

export interface PracticeRuleSummary {
  worst: StateLevel;
  areas: Map<Area, StateLevel>;
  notOk: RuleStateView[];
}

function view(
  a: AgentTrack,
  s: Pick<StoredSeries, 'id' | 'metric' | 'labels'>,
  rule: CompiledRule,
  area: Area,
  st: RuleSeriesState,
  silent: boolean,
  cause: CauseRef | undefined,
): RuleStateView {
  const silenceRule = silent ? [...a.silence.entries()].find(([, x]) => x.held !== 'ok')?.[0] : undefined;
  const shownCause =
    cause ??
    (silenceRule === undefined ? undefined : { ruleId: silenceRule, practice: a.practice, agent: a.agent, seriesId: silenceSeriesId(a.practice, a.agent) });
  return {
    practice: a.practice,
    agent: a.agent,
    seriesId: s.id,
    metric: s.metric,
    labels: s.labels,
    rule,
    area,
    level: silent ? 'unknown' : st.level,
    held: st.held,
    ...(st.value === undefined ? {} : { value: st.value }),
    ...(st.evaluatedAt === undefined ? {} : { evaluatedAt: st.evaluatedAt }),
    ...(st.held === 'ok' || st.episodeStart === undefined ? {} : { since: st.episodeStart }),
    ...(shownCause === undefined ? {} : { cause: shownCause }),
  };
}

/** Calls `visit` for every state of the agent: each (rule, series) binding, then its silence states. */
function eachState(a: AgentTrack, profiles: ThresholdProfiles, visit: (area: Area, level: StateLevel, make: () => RuleStateView) => void): void {
  const silent = silentAgent(a);
  for (const t of a.series.values()) {
    for (const b of t.bindings) {
      if (b.known) visit(b.area, silent ? 'unknown' : b.state.level, () => view(a, t.s, b.rule, b.area, b.state, silent, b.cause));
    }
  }
  for (const rule of profiles.forPractice(a.practice).silence) {
    const s = a.silence.get(rule.id);
    if (s === undefined) continue;
    const sub = { id: silenceSeriesId(a.practice, a.agent), metric: 'agent_silence', labels: {} };
    const st: RuleSeriesState = { ...newState(), held: s.held, level: s.held, episodeStart: s.episodeStart };
    visit('agent', s.held, () => view(a, sub, rule, 'agent', st, false, undefined));
  }
}

export function stateViews(agents: Iterable<AgentTrack>, profiles: ThresholdProfiles, practice?: string): RuleStateView[] {
  const out: RuleStateView[] = [];
  for (const a of agents) {
    if (practice !== undefined && a.practice !== practice) continue;
    eachState(a, profiles, (_area, _level, make) => out.push(make()));
  }
  return out;
}

/** Summaries of every practice, or only of `only`. */
export function practiceSummaries(agents: Iterable<AgentTrack>, profiles: ThresholdProfiles, only?: ReadonlySet<string>): Map<string, PracticeRuleSummary> {
  const out = new Map<string, PracticeRuleSummary>();
  for (const a of agents) {
    if (only !== undefined && !only.has(a.practice)) continue;
    let sum = out.get(a.practice);
    eachState(a, profiles, (area, level, make) => {
      if (sum === undefined) out.set(a.practice, (sum = { worst: level, areas: new Map(), notOk: [] }));
      const prev = sum.areas.get(area);
      if (prev === undefined || SEVERITY_RANK[level] > SEVERITY_RANK[prev]) sum.areas.set(area, level);
      if (SEVERITY_RANK[level] > SEVERITY_RANK[sum.worst]) sum.worst = level;
      if (level !== 'ok') sum.notOk.push(make());
    });
  }
  return out;
}
