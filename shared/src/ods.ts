/**
 * ODS codes (the NHS Organisation Data Service's identifiers: practices such as A81001, branch
 * sites, organisations), defined once for the collector's config, its credentials, the threshold
 * profile's per-practice overrides and anything else that names a practice.
 */

/** An ODS code as stored and as the `practice` label carries it: upper-case letters and digits, 3–10. */
export const ODS_PATTERN = '^[A-Z0-9]{3,10}$';
/** The same code where a person may type it in any case (compared upper-cased). */
export const ODS_PATTERN_ANY_CASE = '^[A-Za-z0-9]{3,10}$';
