/**
 * Pieces of the configuration pages (./config.ts): a line diff of two texts (a template before and
 * after an edit), a practice's preview — its rendered checks with secrets redacted and, per version
 * its agents run now, which checks the published config adds, removes and changes — the
 * versions table with Roll back, and each agent's config version and last apply result.
 */
import type { App } from '../app.ts';
import { h, replace } from '../dom.ts';
import { errorNote } from '../components.ts';
import { fmtFull, fmtTime } from '../format.ts';
import type { ConfigPreview, ConfigVersionList } from '../types.ts';

export type DiffLine = { op: ' ' | '+' | '-'; text: string };

/** Lines over this many (either side) are compared as a whole: removed all, then added all. */
const MAX_DIFF_LINES = 3000;

/** The shortest edit from `before` to `after`, line by line (longest common subsequence). */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  if (a.length > MAX_DIFF_LINES || b.length > MAX_DIFF_LINES)
    return [...a.map((text) => ({ op: '-' as const, text })), ...b.map((text) => ({ op: '+' as const, text }))];
  const w = b.length + 1;
  // lcs[i * w + j]: the longest common subsequence of a[i..] and b[j..].
  const lcs = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i * w + j] = a[i] === b[j] ? (lcs[(i + 1) * w + j + 1] as number) + 1 : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i] as string });
      i++;
      j++;
    } else if ((lcs[(i + 1) * w + j] as number) >= (lcs[i * w + j + 1] as number)) out.push({ op: '-', text: a[i++] as string });
    else out.push({ op: '+', text: b[j++] as string });
  }
  while (i < a.length) out.push({ op: '-', text: a[i++] as string });
  while (j < b.length) out.push({ op: '+', text: b[j++] as string });
  return out;
}

/** A diff as text lines marked `+ ` and `- ` (a sign, not colour alone). */
export function diffBlock(lines: readonly DiffLine[], label: string): HTMLElement {
  if (!lines.some((l) => l.op !== ' ')) return h('p', { class: 'muted' }, 'No change.');
  return h(
    'pre',
    { class: 'diff', 'aria-label': label },
    lines.map((l) => h('span', { class: l.op === '+' ? 'diff-add' : l.op === '-' ? 'diff-del' : 'diff-same' }, `${l.op} ${l.text}\n`)),
  );
}

function idList(ids: readonly string[]): string {
  return ids.length === 0 ? '' : ` (${ids.join(', ')})`;
}

/** What one group of agents would change to reach the published config. */
function runningLine(r: ConfigPreview['running'][number], current: number): HTMLElement {
  const who = `${r.agents.join(', ')} ${r.agents.length === 1 ? 'runs' : 'run'} ${r.version === 0 ? 'only a local file' : `version ${r.version}`}`;
  const { added, removed, changed } = r.diff;
  if (added.length + removed.length + changed.length === 0)
    return h('li', { 'data-version': r.version }, `${who}. Version ${current}: no change to its checks.`);
  return h(
    'li',
    { 'data-version': r.version },
    `${who}. Version ${current}:`,
    h(
      'ul',
      { class: 'check-diff' },
      added.length > 0 ? h('li', { class: 'diff-add' }, `+ adds ${added.length} check${added.length === 1 ? '' : 's'}${idList(added)}`) : null,
      removed.length > 0 ? h('li', { class: 'diff-del' }, `- removes ${removed.length} check${removed.length === 1 ? '' : 's'}${idList(removed)}`) : null,
      changed.length > 0 ? h('li', { class: 'diff-chg' }, `~ changes ${changed.length} check${changed.length === 1 ? '' : 's'}${idList(changed)}`) : null,
    ),
  );
}

/** A practice's preview (GET /api/v1/practices/:ods/config/preview): `load()` fetches it again. */
export function previewPanel(app: App, ods: string): { el: HTMLElement; load(): Promise<void> } {
  const el = h('div', { class: 'config-preview', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading the preview…'));
  async function load(): Promise<void> {
    try {
      const p = await app.api.get<ConfigPreview>(`/api/v1/practices/${encodeURIComponent(ods)}/config/preview`);
      replace(
        el,
        h(
          'p',
          null,
          `Version ${p.version} gives ${ods} ${p.checks.length} check${p.checks.length === 1 ? '' : 's'}`,
          p.sources.length > 0 ? ` from ${p.sources.join(', ')}` : '',
          '. Secrets are shown as <secret>.',
        ),
        p.problems.length > 0
          ? errorNote({ message: `it does not render: its agents get no config and keep their last good one.`, problems: p.problems }, `${ods}: `)
          : null,
        h('h4', { class: 'small-heading' }, 'Against what its agents run now'),
        p.running.length === 0
          ? h('p', { class: 'empty' }, `No agent of ${ods} has reported a pulled config yet.`)
          : h(
              'ul',
              { class: 'running' },
              p.running.map((r) => runningLine(r, p.version)),
            ),
        h('details', { class: 'rendered' }, h('summary', null, 'Rendered checks'), h('pre', { class: 'rendered-checks' }, JSON.stringify(p.checks, null, 2))),
      );
    } catch (err) {
      replace(el, errorNote(err));
    }
  }
  return { el, load };
}

/** The versions list (who, when, what) with Roll back (asked twice) on every version but the current. */
export function versionsSection(app: App, onPublished: (version: number) => void): { el: HTMLElement; load(): Promise<void> } {
  const listEl = h('div', null, h('p', { class: 'muted' }, 'Loading versions…'));
  const out = h('div', { role: 'status', 'aria-live': 'polite' });

  async function rollback(version: number): Promise<void> {
    try {
      const res = await app.api.send<{ version: number }>('POST', '/api/v1/config/rollback', { version });
      replace(out, h('p', { class: 'note' }, `Version ${version} published again as version ${res.version}.`));
      app.announce(`Rolled back: version ${res.version} published`);
      onPublished(res.version);
      await load();
    } catch (err) {
      replace(out, errorNote(err, 'Not rolled back: '));
    }
  }

  function rollbackButton(version: number): HTMLElement {
    const cell = h('span');
    const first = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-small',
        'aria-label': `Roll back to version ${version}`,
        onclick: () =>
          replace(
            cell,
            h('button', { type: 'button', class: 'btn btn-small', onclick: () => void rollback(version) }, `Confirm: publish version ${version} again`),
            ' ',
            h('button', { type: 'button', class: 'btn btn-small', onclick: () => replace(cell, first) }, 'Cancel'),
          ),
      },
      'Roll back to this',
    );
    replace(cell, first);
    return cell;
  }

  async function load(): Promise<void> {
    try {
      const v = await app.api.get<ConfigVersionList>('/api/v1/config/versions', { limit: 50 });
      if (v.items.length === 0) {
        replace(listEl, h('p', { class: 'empty' }, 'No version yet: the first template or values published make version 1.'));
        return;
      }
      replace(
        listEl,
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'config-versions' },
            h('caption', { class: 'visually-hidden' }, 'Config versions, newest first'),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['Version', 'When', 'Who', 'What', ''].map((t) => h('th', { scope: 'col' }, t)),
              ),
            ),
            h(
              'tbody',
              null,
              v.items.map((it) =>
                h(
                  'tr',
                  { 'data-version': it.version },
                  h('th', { scope: 'row' }, String(it.version), it.version === v.current ? h('span', { class: 'muted' }, ' (current)') : null),
                  h('td', { title: fmtFull(it.at) }, fmtTime(it.at)),
                  h('td', null, it.actor),
                  h('td', null, it.target === null ? it.action : `${it.action} ${it.target}`),
                  h('td', { class: 'actions' }, it.version === v.current ? null : rollbackButton(it.version)),
                ),
              ),
            ),
          ),
        ),
        v.total > v.items.length ? h('p', { class: 'muted small' }, `The newest ${v.items.length} of ${v.total}.`) : null,
      );
    } catch (err) {
      replace(listEl, errorNote(err));
    }
  }
  return { el: h('div', null, out, listEl), load };
}

/** An agent as GET /api/v1/practices/:ods/agents lists it (the fields this page reads). */
export interface ConfigAgentItem {
  name: string;
  version: string | null;
  lastSeen: string | null;
  /** Pulled config: the version it runs and its last apply attempt; null before it reported one. */
  config: { running: number; lastApply: { version: number; ok: boolean; problem: string | null; at: string } } | null;
}

/** Each agent of a practice: the config version it runs and its last apply (ok, or refused with the agent's `path: message`). */
export function configAgentsTable(ods: string, items: readonly ConfigAgentItem[]): HTMLElement {
  if (items.length === 0) return h('p', { class: 'empty' }, `${ods} has no agent yet.`);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'config-agents' },
      h('caption', { class: 'visually-hidden' }, `Config of the agents of ${ods}`),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Agent', 'Runs config version', 'Last apply', 'When'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        null,
        items.map((a) => {
          const c = a.config;
          const last = c?.lastApply;
          return h(
            'tr',
            { 'data-agent': a.name },
            h('th', { scope: 'row' }, a.name),
            h('td', null, c === null ? '—' : c.running === 0 ? 'local file only' : String(c.running)),
            h(
              'td',
              { class: last === undefined ? '' : last.ok ? 'apply-ok' : 'apply-failed' },
              last === undefined
                ? 'not reported (a local config only, or an agent from before pull)'
                : last.ok
                  ? `✔ ok (version ${last.version})`
                  : `✖ version ${last.version} refused: ${last.problem ?? 'no reason given'}`,
            ),
            h('td', { title: last === undefined ? '' : fmtFull(last.at) }, last === undefined ? '—' : fmtTime(last.at)),
          );
        }),
      ),
    ),
  );
}
