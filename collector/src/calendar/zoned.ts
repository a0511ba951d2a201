/** Moved to shared/src/calendar/zoned.ts (the agent's throughput probe needs the same calendar); re-exported here for the collector's importers. */
export * from '../../../shared/src/calendar/zoned.ts';
