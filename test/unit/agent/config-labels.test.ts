// A check's static labels become series labels: check-config refuses every label the collector
// would refuse on the check's samples. The cases come from the shared rules (RESERVED_LABELS, the
// `__` prefix, AGENT_LABELS, SAMPLE_RULES), so a new rule or name is covered or this file fails.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/index.ts';
import { parseAgentConfig } from '../../../agent/src/config/load.ts';
import { toWire } from '../../../agent/src/scheduler/run.ts';
import { checkIngestBody } from '../../../collector/src/ingest/check.ts';
import { baseCheckFields } from '../../../agent/src/probes/base-schema.ts';
import { defineProbe, type ProbeKind } from '../../../agent/src/probes/types.ts';
import { isN3monError } from '../../../shared/src/errors.ts';
import { AGENT_LABELS, RESERVED_LABEL_PREFIX, RESERVED_LABELS, reservedLabelMessage } from '../../../shared/src/labels.ts';
import { SAMPLE_RULES, type SampleRule } from '../../../shared/src/sample-rules.ts';
import { INGEST_LIMITS } from '../../../shared/src/wire.ts';

const base = { collector: { url: 'http://127.0.0.1:1', token: '0123456789abcdef0123' } };
const NOW = Date.UTC(2026, 11, 7, 12);

function configProblems(checks: unknown[], probes?: readonly ProbeKind[]): string[] {
  try {
    parseAgentConfig({ ...base, checks }, 't', probes);
    return [];
  } catch (err) {
    if (!isN3monError(err)) throw err;
    return [...err.problems];
  }
}

const problems = (labels: unknown): string[] =>
  configProblems([
    { kind: 'tcp', target: '127.0.0.1:1', role: 'server' },
    { kind: 'tcp', target: '127.0.0.1:2', role: 'server', labels },
  ]);

/** What ingest says about one sample of a tcp check carrying `labels` ([] when stored). */
function ingestProblems(labels: Record<string, string>): string[] {
  const sample = { metric: 'tcp_connect_ms', labels: { check: 'tcp:127.0.0.1:2', role: 'server', target: '127.0.0.1:2', ...labels }, ts: NOW, value: 1 };
  const r = checkIngestBody({ batchId: 'b', samples: [sample] }, NOW);
  if (!r.ok) return r.problems;
  return r.refused.map((x) => x.problem ?? x.rule);
}

const reservedNames = [...RESERVED_LABELS, `${RESERVED_LABEL_PREFIX}site`, `${RESERVED_LABEL_PREFIX}name__`];

describe('check labels', () => {
  it('accepts ordinary label names, `kind` among them', () => {
    expect(problems({ site: 'Branch', floor_2: 'x', kind: 'http' })).toEqual([]);
  });

  it('refuses keys that are not label names, and values that are not strings', () => {
    expect(problems({ 'a-b': 'x' })).toEqual(['checks[1].labels.a-b: key must match pattern "^[a-zA-Z_][a-zA-Z0-9_]*$"']);
    expect(problems({ site: 5 })).toEqual(['checks[1].labels.site: must be string (got number 5)']);
  });

  it.each(reservedNames)('reserved name %s: refused by check-config and at ingest, in the same words', (name) => {
    const message = reservedLabelMessage(name);
    expect(message).toBeDefined();
    expect(problems({ [name]: 'x' })).toEqual([`checks[1].labels.${name}: ${message}`]);
    expect(ingestProblems({ [name]: 'x' })).toEqual([`samples[0].labels.${name}: ${message}`]);
  });

  it.each(AGENT_LABELS.map((n) => [n]))("%s is the agent's own label: a static label may not set it, ingest accepts it from the agent", (name) => {
    expect(problems({ [name]: 'x' })).toEqual([`checks[1].labels.${name}: clashes with a label the agent sets itself`]);
    expect(ingestProblems({ [name]: 'x' })).toEqual([]);
  });

  // One case per shared rule: where the agent refuses a sample that breaks it before the collector does.
  const byRule: Record<SampleRule, () => void> = {
    schema: () => {
      expect(problems({ ['k'.repeat(INGEST_LIMITS.maxLabelKeyLength + 1)]: 'x' })[0]).toMatch(/^checks\[1\]\.labels\.k+: key must /);
      expect(ingestProblems({ 'a-b': 'x' })).toEqual(['samples[0].labels.a-b: key must match pattern "^[a-zA-Z_][a-zA-Z0-9_]*$"']);
    },
    label_reserved: () => expect(problems({ __x: 'y' })).toEqual(['checks[1].labels.__x: reserved label name (names starting with __ are reserved)']),
    ts_too_old: () =>
      expect(toWire({ metric: 'tcp_connect_ms', value: 1, ts: NOW - INGEST_LIMITS.maxAgeMs - 1 }, {}, NOW, NOW)).toMatchObject({ rule: 'ts_too_old' }),
    ts_future: () =>
      expect(toWire({ metric: 'tcp_connect_ms', value: 1, ts: NOW + INGEST_LIMITS.maxFutureMs + 1 }, {}, NOW, NOW)).toMatchObject({ rule: 'ts_future' }),
  };
  it.each(SAMPLE_RULES.map((r) => [r]))('rule %s is applied on the agent side too', (rule) => {
    const check = byRule[rule];
    expect(check, `a case for the shared rule ${rule}`).toBeDefined();
    check();
  });

  it("counts the labels the agent adds: static + base + a metric's own must fit the collector's limit", () => {
    const wide = defineProbe({
      kind: 'wide',
      schema: Type.Object(
        { kind: Type.Literal('wide'), target: Type.String(), ...baseCheckFields({ defaultIntervalMs: 1000, defaultRole: 'server' }) },
        { additionalProperties: false },
      ),
      concurrency: 1,
      defaultTimeoutMs: () => 500,
      // Seven base labels besides check: with 8 static ones and `outcome`, a sample would carry 17.
      baseLabels: (c) => ({ target: c.target, role: c.role, w1: 'a', w2: 'b', w3: 'c', w4: 'd', w5: 'e' }),
      create: () => ({ run: async () => ({ outcome: 'success', samples: [] }) }),
    });
    const labels = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`l${i}`, 'v']));
    expect(configProblems([{ kind: 'wide', target: 't', labels }], [wide])).toEqual([
      `checks[0].labels: too many labels: 8 static + 8 the check sets + up to 1 a metric adds = 17; the collector takes at most ${INGEST_LIMITS.maxLabels} on a sample`,
    ]);
    expect(configProblems([{ kind: 'wide', target: 't', labels: { l0: 'v', l1: 'v', l2: 'v', l3: 'v', l4: 'v', l5: 'v', l6: 'v' } }], [wide])).toEqual([]);
  });

  it('refuses a base label value longer than the collector takes (the target becomes a label)', () => {
    const loose = defineProbe({
      kind: 'loose',
      schema: Type.Object(
        { kind: Type.Literal('loose'), target: Type.String(), ...baseCheckFields({ defaultIntervalMs: 1000, defaultRole: 'server' }) },
        { additionalProperties: false },
      ),
      concurrency: 1,
      defaultTimeoutMs: () => 500,
      baseLabels: (c) => ({ target: c.target, role: c.role }),
      create: () => ({ run: async () => ({ outcome: 'success', samples: [] }) }),
    });
    expect(configProblems([{ kind: 'loose', id: 'x', target: 't'.repeat(INGEST_LIMITS.maxLabelValueLength + 1) }], [loose])).toEqual([
      `checks[0].target: must not have more than ${INGEST_LIMITS.maxLabelValueLength} characters (it becomes the \`target\` label of every sample)`,
    ]);
  });
});

describe('n3mon check-config', () => {
  it('refuses a reserved and an agent-set static label with `path: message`, exit 1, as the agent would at start-up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-check-config-'));
    try {
      const file = join(dir, 'agent.yaml');
      writeFileSync(
        file,
        [
          'collector: { url: "http://127.0.0.1:8080", token: "0123456789abcdef0123" }',
          'checks:',
          '  - { kind: tcp, target: "127.0.0.1:1", role: server }',
          '  - { kind: tcp, target: "127.0.0.1:2", role: server, labels: { __site: x, practice: y, outcome: z, site: Branch } }',
          '',
        ].join('\n'),
      );
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['check-config', file], { out: (t) => void out.push(t), err: (t) => void err.push(t), env: {} });
      expect(code).toBe(1);
      const text = [...out, ...err].join('');
      expect(text).toContain('checks[1].labels.__site: reserved label name (names starting with __ are reserved)');
      expect(text).toContain('checks[1].labels.practice: reserved label; the collector sets it from the token');
      expect(text).toContain('checks[1].labels.outcome: clashes with a label the agent sets itself');
      expect(text).not.toContain('labels.site');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
