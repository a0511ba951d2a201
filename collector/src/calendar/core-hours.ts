/** Moved to shared/src/calendar/core-hours.ts (the agent's throughput probe needs the same calendar); re-exported here for the collector's importers. */
export * from '../../../shared/src/calendar/core-hours.ts';
