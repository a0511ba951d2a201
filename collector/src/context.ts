/**
 * What routes get: the app's collaborators, created once in buildApp (the composition root of the
 * HTTP side) and passed to each route module. No module-level state.
 */
import type { Clock } from '../../shared/src/clock.ts';
import type { Logger } from '../../shared/src/log.ts';
import type { CollectorConfig } from './config/schema.ts';
import type { SeriesStore } from './storage/types.ts';
import type { Meta } from './meta/index.ts';
import type { StatusProvider } from './status/provider.ts';
import type { AgentActivity } from './status/activity.ts';
import type { Ingestor } from './ingest/ingestor.ts';
import type { CollectorMetrics } from './metrics/collector-metrics.ts';
import type { AuthHooks } from './plugins/auth.ts';
import type { TypedApp } from './typed-app.ts';

export type { TypedApp } from './typed-app.ts';

/** Flipped by the composition root when it starts to stop: /healthz says 503, new requests get 503. */
export interface Lifecycle {
  shuttingDown: boolean;
}

export interface AppContext {
  readonly config: CollectorConfig;
  readonly log: Logger;
  readonly store: SeriesStore;
  readonly meta: Meta;
  readonly clock: Clock;
  readonly status: StatusProvider;
  readonly activity: AgentActivity;
  readonly ingestor: Ingestor;
  readonly metrics: CollectorMetrics;
  readonly lifecycle: Lifecycle;
  readonly auth: AuthHooks;
}

/** A group of routes. A new resource is a new folder under routes/ plus one line in routes/index.ts. */
export interface RouteModule {
  readonly name: string;
  register(app: TypedApp, ctx: AppContext): void | Promise<void>;
}
