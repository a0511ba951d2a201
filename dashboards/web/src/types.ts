/**
 * Shapes of the API answers the dashboard reads. Where the collector has a TypeBox schema the
 * type comes from it (type-only imports: nothing of the server is bundled), so the two cannot drift.
 */
import type { OverviewResponse, OverviewRow } from '../../../collector/src/routes/overview/schemas.ts';
import type { PracticeDetail, SeriesResponse, Point } from '../../../collector/src/routes/practices/schemas.ts';
import type { AlertDetail, AlertView } from '../../../collector/src/routes/alerts/schemas.ts';
import type { IncidentView } from '../../../collector/src/routes/incidents/schemas.ts';
import type { Static } from 'typebox';
import type {
  CatalogueList,
  PreviewView,
  TemplateList,
  TemplateView,
  ValuesBody,
  ValuesView,
  ValueView,
  VersionList,
} from '../../../collector/src/routes/templates/schemas.ts';

export type { OverviewResponse, OverviewRow, PracticeDetail, SeriesResponse, Point };
export type Status = OverviewRow['status'];
export type Area = keyof OverviewRow['areas'];

export type Role = 'admin' | 'servicedesk' | 'practice';

export interface SessionUser {
  username: string;
  role: Role;
  practice: string | null;
}

export interface SessionInfo {
  user: SessionUser;
  csrfToken: string;
  expiresAt: string;
}

/** A national incident as GET /api/v1/incidents lists it (a practice user sees only its own practice among the members). */
export type IncidentItem = IncidentView;
export interface IncidentList {
  total: number;
  offset: number;
  limit: number;
  items: IncidentItem[];
}

/** An alert as GET /api/v1/alerts lists it. */
export type AlertItem = AlertView;
export type { AlertDetail };
export interface AlertList {
  total: number;
  offset: number;
  limit: number;
  items: AlertItem[];
}

/** Templated agent config (GET/PUT /api/v1/config/…, /api/v1/practices/:ods/config/…). */
export type ConfigTemplateList = Static<typeof TemplateList>;
export type ConfigTemplate = TemplateView;
export type ConfigValues = Static<typeof ValuesView>;
export type ConfigValue = Static<typeof ValueView>;
export type ConfigValuesBody = ValuesBody;
export type ConfigPreview = Static<typeof PreviewView>;
export type ConfigVersionList = Static<typeof VersionList>;
export type ConfigCatalogue = Static<typeof CatalogueList>;

export const AREA_TITLES: Record<Area, string> = {
  'national-apps': 'National apps',
  'national-link': 'National link',
  lan: 'LAN',
  'branch-link': 'Branch links',
  servers: 'Servers',
  agent: 'Agent',
};
