/**
 * The evaluator's progress in the state database: per agent the event time evaluation has reached
 * (`rule_cursors`) and the rule states worth keeping across a restart (`rule_states`: not ok, or
 * mid-run). The AlertManager notes progress once the events before it are applied and writes it
 * after each round in one transaction; what fails to be written stays for the next round, unless
 * newer progress replaced it meanwhile.
 */
import type { StateDb } from '../meta/state-db.ts';
import type { AgentProgressReport, CauseRef, PersistedRuleState } from '../evaluation/events.ts';
import type { RuleSeriesState } from '../evaluation/state-machine.ts';

export interface RestoredProgress {
  cursors: { practice: string; agent: string; evaluatedUntil: number }[];
  states: PersistedRuleState[];
}

/** The state database is unavailable (down, restarting, busy): worth retrying the same work later. */
export function isTransientStateError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return (
    code === 'N3MON_ERR_STORE' ||
    code === 'N3MON_ERR_UNAVAILABLE' ||
    /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN)/.test(code) ||
    /^(08|57P|53)/.test(code) ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET'
  );
}

/** Saved progress for the evaluator to resume from. */
export async function restoreProgress(db: StateDb): Promise<RestoredProgress> {
  const cursors = (await db.all<{ practice: string; agent: string; evaluated_until: number }>('SELECT practice, agent, evaluated_until FROM rule_cursors')).map(
    (r) => ({ practice: r.practice, agent: r.agent, evaluatedUntil: r.evaluated_until }),
  );
  const rows = await db.all<{ series_id: string; rule_id: string; practice: string; agent: string; state: string; cause: string | null }>(
    'SELECT series_id, rule_id, practice, agent, state, cause FROM rule_states',
  );
  const states = rows.map((r) => ({
    seriesId: r.series_id,
    ruleId: r.rule_id,
    practice: r.practice,
    agent: r.agent,
    state: JSON.parse(r.state) as RuleSeriesState,
    ...(r.cause === null ? {} : { cause: JSON.parse(r.cause) as CauseRef }),
  }));
  return { cursors, states };
}

type Cursor = { practice: string; agent: string; evaluatedUntil: number };

export class ProgressBuffer {
  private cursors = new Map<string, Cursor>();
  private states = new Map<string, PersistedRuleState>();

  note(p: AgentProgressReport): void {
    this.cursors.set(`${p.practice}\u0000${p.agent}`, { practice: p.practice, agent: p.agent, evaluatedUntil: p.evaluatedUntil });
    for (const s of p.changed) this.states.set(`${s.ruleId}\u0000${s.seriesId}`, s);
  }

  size(): { cursors: number; states: number } {
    return { cursors: this.cursors.size, states: this.states.size };
  }

  /** Write what is buffered in one transaction. On failure it is kept (newer progress noted meanwhile wins) and the error thrown. */
  async write(db: StateDb): Promise<void> {
    if (this.cursors.size === 0 && this.states.size === 0) return;
    const cursors = this.cursors;
    const states = this.states;
    this.cursors = new Map();
    this.states = new Map();
    try {
      await db.tx(async (tx) => {
        for (const c of cursors.values()) {
          await tx.run(
            'INSERT INTO rule_cursors (practice, agent, evaluated_until) VALUES (?, ?, ?) ON CONFLICT (practice, agent) DO UPDATE SET evaluated_until = excluded.evaluated_until',
            [c.practice, c.agent, c.evaluatedUntil],
          );
        }
        for (const s of states.values()) {
          const st = s.state;
          const idle = st.held === 'ok' && st.warnRun === 0 && st.critRun === 0 && st.downSince === undefined && s.cause === undefined;
          if (idle) await tx.run('DELETE FROM rule_states WHERE series_id = ? AND rule_id = ?', [s.seriesId, s.ruleId]);
          else {
            await tx.run(
              'INSERT INTO rule_states (series_id, rule_id, practice, agent, state, cause) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (series_id, rule_id) DO UPDATE SET state = excluded.state, cause = excluded.cause',
              [s.seriesId, s.ruleId, s.practice, s.agent, JSON.stringify(st), s.cause === undefined ? null : JSON.stringify(s.cause)],
            );
          }
        }
      });
    } catch (err) {
      for (const [k, c] of cursors) if (!this.cursors.has(k)) this.cursors.set(k, c);
      for (const [k, s] of states) if (!this.states.has(k)) this.states.set(k, s);
      throw err;
    }
  }
}
