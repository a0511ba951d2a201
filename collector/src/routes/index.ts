/** The route registry: every route module the collector serves. A new resource = one line here. */
import type { RouteModule } from '../context.ts';
import { healthRoutes } from './health/index.ts';
import { metricsRoutes } from './metrics/index.ts';
import { ingestRoutes } from './ingest/index.ts';
import { practiceRoutes } from './practices/index.ts';
import { seriesRoutes } from './practices/series.ts';
import { overviewRoutes } from './overview/index.ts';
import { uiRoutes } from '../ui/index.ts';
import { throughputRoutes } from './throughput/index.ts';
import { auditRoutes } from './audit/index.ts';
import { enrolmentRoutes } from './enrolment/index.ts';
import { agentRoutes } from './practices/agents.ts';
import { templateRoutes } from './templates/index.ts';

export const CORE_ROUTES: readonly RouteModule[] = [
  healthRoutes,
  metricsRoutes,
  ingestRoutes,
  practiceRoutes,
  seriesRoutes,
  overviewRoutes,
  uiRoutes,
  throughputRoutes,
  auditRoutes,
  enrolmentRoutes,
  agentRoutes,
  templateRoutes,
];
