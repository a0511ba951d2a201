/** Moved to shared/src/calendar/bank-holidays.ts (the agent's throughput probe needs the same calendar); re-exported here for the collector's importers. */
export * from '../../../shared/src/calendar/bank-holidays.ts';
