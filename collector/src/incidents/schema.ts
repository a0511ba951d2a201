/**
 * National incidents' tables in meta.db (component `incidents`; see meta/db.ts migrate). Append
 * steps, never edit a released one.
 *
 *   incidents        one row per national-incident episode of a (rule, scope)
 *   incident_alerts  the practice alerts it explains (members), one row per alert
 */
import type { MigrationStep } from '../meta/index.ts';

export const INCIDENT_MIGRATIONS: readonly MigrationStep[] = [
  `
  CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,                    -- rule|scope-kind:value
    rule_id TEXT NOT NULL,
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('app', 'target', 'provider')),
    scope_value TEXT NOT NULL,
    title TEXT NOT NULL,                  -- the rule's title
    area TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
    started_at INTEGER NOT NULL,          -- event time: earliest start of the breaches that opened it
    opened_at INTEGER NOT NULL,           -- event time: the threshold was reached
    ended_at INTEGER,                     -- event time: fell below the threshold (for resolveAfterMs)
    practices INTEGER NOT NULL,           -- breaching now (open) or at the end
    peak_practices INTEGER NOT NULL,
    monitoring INTEGER NOT NULL,          -- practices that monitor it
    notified TEXT,                        -- last notice sent: 'firing' or 'resolved'
    created_at INTEGER NOT NULL,          -- collector clock
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX incidents_by_key ON incidents (key, started_at);
  CREATE INDEX incidents_by_state ON incidents (state, started_at);

  CREATE TABLE incident_alerts (
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    alert_id INTEGER NOT NULL,
    practice TEXT NOT NULL,
    started_at INTEGER NOT NULL,          -- the alert's breach (event time)
    ended_at INTEGER,
    PRIMARY KEY (incident_id, alert_id)
  ) WITHOUT ROWID;
  CREATE INDEX incident_alerts_by_alert ON incident_alerts (alert_id);
  CREATE INDEX incident_alerts_by_practice ON incident_alerts (practice, incident_id);
  `,
];
