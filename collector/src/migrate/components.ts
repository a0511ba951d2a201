/**
 * Every component's state tables, in the order they are migrated (core first: the others refer
 * to practices). The migration command (./state-copy.ts) brings both ends to this version before
 * it copies. A component added to the state database is added here too.
 *
 * Not here: `leases` (collector/src/ha/leases.ts), which the collectors create and fill themselves
 * and which means nothing outside a running pair.
 */
import { CORE_STATE_MIGRATIONS } from '../meta/schema.ts';
import { ENROLMENT_STATE_MIGRATIONS } from '../meta/enrolment.ts';
import { CONFIG_TEMPLATE_STATE_MIGRATIONS } from '../config-templates/store.ts';
import { ALERT_STATE_MIGRATIONS } from '../alerts/schema.ts';
import { INCIDENT_STATE_MIGRATIONS } from '../incidents/schema.ts';
import { UI_STATE_MIGRATIONS } from '../ui/schema.ts';
import type { ComponentMigrations, StateDb } from '../meta/state-db.ts';

export const STATE_COMPONENTS: ReadonlyArray<{ name: string; migrations: ComponentMigrations }> = [
  { name: 'core', migrations: CORE_STATE_MIGRATIONS },
  { name: 'enrolment', migrations: ENROLMENT_STATE_MIGRATIONS },
  { name: 'config-templates', migrations: CONFIG_TEMPLATE_STATE_MIGRATIONS },
  { name: 'alerts', migrations: ALERT_STATE_MIGRATIONS },
  { name: 'incidents', migrations: INCIDENT_STATE_MIGRATIONS },
  { name: 'ui', migrations: UI_STATE_MIGRATIONS },
];

/** Runs every component's migrations on `db` (its engine's list); returns the steps run per component. */
export async function migrateAllComponents(db: StateDb): Promise<Record<string, number>> {
  const ran: Record<string, number> = {};
  for (const c of STATE_COMPONENTS) ran[c.name] = await db.migrate(c.name, c.migrations);
  return ran;
}
