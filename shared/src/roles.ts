/**
 * Roles: what a check's target (and every series it produces) is to the practice, and what an
 * SNMP interface is. One vocabulary for the agent (config schemas, sample labels), the collector
 * (threshold profile, status areas, report sections) and the dashboard. Stable: append, never
 * rename. docs/metrics.md ("Roles") documents it; test/unit/shared/docs-in-step.test.ts keeps the two in step.
 */

/** Label every sample of a check carries: the check's `role`. */
export const ROLE_LABEL = 'role';

/** Roles a check (and so every series it produces) can have (PRODUCT.md). */
export const ROLES = ['lan-gateway', 'n3-gateway', 'national-app', 'branch-site', 'internet', 'server'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The national link (HSCN, formerly N3): the role of its checks and of its router's WAN port. */
export const NATIONAL_LINK_ROLE = 'n3-gateway' satisfies Role;

/** A branch surgery's site, reached over the practice's WAN ("branch to main practice"). */
export const BRANCH_SITE_ROLE = 'branch-site' satisfies Role;
/** Label naming the branch site on a branch-site check (`labels: { site: "Branch" }`); optional. */
export const SITE_LABEL = 'site';

/**
 * Label an SNMP interface's samples carry: the `role` of the first `interfaces:` selector that
 * matched it (agent/src/probes/snmp), or {@link IF_ROLE_NONE}.
 */
export const IF_ROLE_LABEL = 'ifRole';
/** `ifRole` of an interface no selector gave a role (or of every interface when none are listed). */
export const IF_ROLE_NONE = 'none';
/** Values `interfaces[].role` accepts in the agent's config: the check roles. */
export const INTERFACE_ROLES = ROLES;
/** Every value the agent sends in `ifRole`. */
export type IfRole = Role | typeof IF_ROLE_NONE;

/**
 * `ifRole` values that mark the WAN / national-link interface (the one the 75 % utilisation rule
 * and the report's "WAN utilisation" table judge): `n3-gateway`, what the documented agent config
 * sets, and `wan`, what data stored before the vocabulary was one still carries (no agent sends
 * it now). The default profile's `wan-utilisation-p95` selects exactly these (tested).
 */
export const NATIONAL_LINK_IF_ROLES = [NATIONAL_LINK_ROLE, 'wan'] as const;

/**
 * Is this series the WAN / national-link interface? `ifRole` is one of
 * {@link NATIONAL_LINK_IF_ROLES}; a series without an `ifRole` label at all (not something the
 * agent sends) counts when its device's check has the national-link role.
 */
export function isNationalLinkInterface(labels: Readonly<Record<string, string | undefined>>): boolean {
  const ifRole = labels[IF_ROLE_LABEL];
  if (ifRole === undefined) return labels[ROLE_LABEL] === NATIONAL_LINK_ROLE;
  return (NATIONAL_LINK_IF_ROLES as readonly string[]).includes(ifRole);
}
