/**
 * The preview of a practice's config: its current rendering with secrets redacted, and per version
 * its agents last reported running (ok), which checks the change adds, removes and changes.
 */
import type { Meta } from '../../meta/index.ts';
import type { ConfigService } from '../../config-templates/service.ts';
import { applyStates } from '../../config-templates/store.ts';
import { idOf } from '../../config-templates/validate.ts';
import type { Check } from '../../config-templates/template.ts';

export function diffChecks(next: readonly Check[], running: readonly Check[]): { added: string[]; removed: string[]; changed: string[] } {
  const byId = (cs: readonly Check[]) => new Map(cs.map((c) => [idOf(c), JSON.stringify(c)]));
  const a = byId(next);
  const b = byId(running);
  return {
    added: [...a.keys()].filter((id) => !b.has(id)),
    removed: [...b.keys()].filter((id) => !a.has(id)),
    changed: [...a.entries()].filter(([id, text]) => b.has(id) && b.get(id) !== text).map(([id]) => id),
  };
}

export async function previewOf(service: ConfigService, meta: Meta, ods: string) {
  const { version, snapshot } = await service.store.current();
  const rendered = service.render(snapshot, ods, 'redact');
  // The ETag the agents see is of the real values: take it from the agents' own rendering.
  const etag = rendered.problems.length === 0 ? (await service.forAgent(ods)).rendered.etag : null;
  const groups = new Map<number, string[]>();
  for (const [agent, state] of await applyStates(meta.state, ods)) groups.set(state.running, [...(groups.get(state.running) ?? []), agent]);
  const running = [];
  for (const [v, agents] of [...groups.entries()].sort(([a], [b]) => b - a)) {
    const old = v === 0 ? undefined : await service.store.snapshotOf(v);
    const checks = old === undefined ? [] : service.render(old, ods, 'redact').checks;
    running.push({ version: v, agents: agents.sort(), diff: diffChecks(rendered.checks, checks) });
  }
  return { practice: ods, version, etag, sources: rendered.sources, checks: rendered.checks, problems: rendered.problems, running };
}
