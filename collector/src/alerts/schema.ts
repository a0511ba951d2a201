/**
 * Alerting's tables in meta.db (component `alerts`; see meta/db.ts migrate). Append steps, never
 * edit a released one.
 *
 *   alerts               one row per alert episode of a (rule, series); at most one not resolved
 *   alert_events         its history (raised, escalated, acknowledged, suppressed, resolved, …)
 *   maintenance_windows  planned work per practice: nothing is raised inside one
 *   rule_cursors         per agent, the event time evaluation has reached
 *   rule_states          rule states worth keeping across a restart (not ok, or mid-run)
 */
import type { MigrationStep } from '../meta/index.ts';

export const ALERT_MIGRATIONS: readonly MigrationStep[] = [
  `
  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    practice TEXT NOT NULL,
    agent TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    series_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    labels TEXT NOT NULL,                 -- JSON object
    area TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    unit TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
    peak TEXT NOT NULL CHECK (peak IN ('warning', 'critical')),
    state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
    started_at INTEGER NOT NULL,          -- event time: first breaching evaluation
    raised_at INTEGER NOT NULL,           -- event time: the evaluation that raised it
    ended_at INTEGER,                     -- event time: the evaluation that resolved it
    value REAL,
    cause_rule TEXT,                      -- the rule state that explains (suppresses) it
    cause_series TEXT,
    cause_alert_id INTEGER,               -- the cause's alert, when it has one
    reopened INTEGER NOT NULL DEFAULT 0,  -- raised again within the reopen window
    acked_by TEXT,
    acked_at INTEGER,
    ack_note TEXT,
    notified TEXT,                        -- last notice sent: 'firing:warning', 'firing:critical', 'resolved'
    created_at INTEGER NOT NULL,          -- collector clock
    updated_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX alerts_active ON alerts (rule_id, series_id) WHERE state <> 'resolved';
  CREATE INDEX alerts_by_series ON alerts (rule_id, series_id, ended_at);
  CREATE INDEX alerts_by_practice ON alerts (practice, started_at);
  CREATE INDEX alerts_by_state ON alerts (state, started_at);

  CREATE TABLE alert_events (
    alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at INTEGER NOT NULL,                  -- event time (ack: collector clock)
    kind TEXT NOT NULL,
    severity TEXT,
    detail TEXT,                          -- JSON
    recorded_at INTEGER NOT NULL
  );
  CREATE INDEX alert_events_by_alert ON alert_events (alert_id, at);

  CREATE TABLE maintenance_windows (
    id INTEGER PRIMARY KEY,
    practice TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL CHECK (ends_at > starts_at),
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX maintenance_by_practice ON maintenance_windows (practice, starts_at);

  CREATE TABLE rule_cursors (
    practice TEXT NOT NULL,
    agent TEXT NOT NULL,
    evaluated_until INTEGER NOT NULL,
    PRIMARY KEY (practice, agent)
  ) WITHOUT ROWID;

  CREATE TABLE rule_states (
    series_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    practice TEXT NOT NULL,
    agent TEXT NOT NULL,
    state TEXT NOT NULL,                  -- JSON RuleSeriesState
    cause TEXT,                           -- JSON CauseRef
    PRIMARY KEY (series_id, rule_id)
  ) WITHOUT ROWID;
  `,
];
