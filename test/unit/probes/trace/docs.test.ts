// The trace README and docs/thresholds.md stay in step with the code (as test/unit/shared/docs-in-step.test.ts does for the shared names).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TRACE_DEFAULTS, TRACE_ROLES, TraceConfig } from '../../../../agent/src/probes/trace/settings.ts';
import { TRACE_LINK_WINDOW_MS } from '../../../../collector/src/alerts/trace-link.ts';
import { MIN_JUMP_MS, MIN_LOSS } from '../../../../collector/src/alerts/trace-culprit.ts';

const readme = readFileSync(new URL('../../../../agent/src/probes/trace/README.md', import.meta.url), 'utf8');
const thresholds = readFileSync(new URL('../../../../docs/thresholds.md', import.meta.url), 'utf8');

describe('trace docs in step', () => {
  it('the README lists every trace: key with its default, and the roles that trace', () => {
    expect(Object.keys(TraceConfig.properties).sort()).toEqual(['enabled', ...Object.keys(TRACE_DEFAULTS)].sort());
    for (const [key, value] of Object.entries(TRACE_DEFAULTS)) {
      const shown = value >= 10_000 ? value.toLocaleString('en-GB').replace(/,/g, ' ') : String(value);
      expect(readme, key).toMatch(new RegExp(`^\\| \`${key}\` \\| ${shown} \\|`, 'm'));
    }
    for (const role of TRACE_ROLES) expect(readme).toContain(`\`${role}\``);
  });

  it('docs/thresholds.md "Path traces" gives the link window and the culprit rule\'s floors', () => {
    const section = thresholds.slice(thresholds.indexOf('### Path traces'), thresholds.indexOf('### Maintenance windows'));
    expect(section).toContain(`within ${TRACE_LINK_WINDOW_MS / 60_000} min`);
    expect(section).toContain(`≥ ${MIN_LOSS * 100} %`);
    expect(section).toContain(`≥ ${MIN_JUMP_MS} ms`);
  });
});
