// Reads `npm audit --omit=dev --audit-level=high --json` on stdin (.ci/run, after the tests) and
// prints one line. Exit 1 when a production dependency has a high or critical advisory that has a
// fix (npm says fixAvailable); an advisory without a fix yet is printed but does not fail the run.
// When the advisory database cannot be reached (no network, or a registry mirror without the
// audit endpoint: 405) it says so plainly and exits 0 — nothing was audited, nothing is claimed.
let raw = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (raw += d));
process.stdin.on('end', () => {
  let r = null;
  try {
    r = JSON.parse(raw);
  } catch {
    r = null;
  }
  if (r === null || typeof r.vulnerabilities !== 'object' || r.vulnerabilities === null) {
    const why = r?.message ?? r?.error?.summary ?? (raw.trim().slice(0, 200) || 'no answer');
    console.log(`ci: npm audit could not reach the advisory database (${String(why).split('\n')[0]}): production dependencies were NOT audited in this run`);
    process.exit(0);
  }
  const vulns = Object.values(r.vulnerabilities);
  const serious = vulns.filter((v) => v.severity === 'high' || v.severity === 'critical');
  const fixable = serious.filter((v) => v.fixAvailable !== false);
  const unfixed = serious.filter((v) => v.fixAvailable === false);
  const names = (list) => (list.length === 0 ? 'none' : list.map((v) => `${v.name} (${v.severity})`).join(', '));
  console.log(
    `ci: npm audit (production dependencies): ${vulns.length} with advisories; high/critical with a fix: ${names(fixable)}; high/critical without a fix yet: ${names(unfixed)}`,
  );
  process.exit(fixable.length > 0 ? 1 : 0);
});
