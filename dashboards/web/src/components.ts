/** Small pieces shared by the views: RAG badges, the live-update control, error notes, range buttons. */
import { h, srOnly } from './dom.ts';
import { fmtClock } from './format.ts';
import type { Status } from './types.ts';

const RAG: Record<Status | 'none', { icon: string; text: string; short: string }> = {
  critical: { icon: '✖', text: 'Critical', short: 'Crit' },
  warning: { icon: '▲', text: 'Warning', short: 'Warn' },
  unknown: { icon: '?', text: 'Unknown', short: 'Unk' },
  ok: { icon: '✔', text: 'OK', short: 'OK' },
  none: { icon: '–', text: 'Not judged', short: '–' },
};

/** A status with a shape and a word, not colour alone. `label` prefixes the screen-reader text. */
export function ragBadge(status: Status | null, opts: { compact?: boolean; label?: string } = {}): HTMLElement {
  const r = RAG[status ?? 'none'];
  const cls = `rag rag-${status ?? 'none'}${opts.compact === true ? ' rag-compact' : ''}`;
  const title = `${opts.label === undefined ? '' : `${opts.label}: `}${r.text}`;
  if (opts.compact === true)
    return h('span', { class: cls, title }, h('span', { 'aria-hidden': 'true' }, status === null ? r.icon : `${r.icon} ${r.short}`), srOnly(title));
  return h('span', { class: cls, title }, h('span', { 'aria-hidden': 'true', class: 'rag-icon' }, r.icon), ` ${r.text}`);
}

export function statusWord(s: Status): string {
  return RAG[s].text;
}

/** The API's error as a note: its message, then every problem as the API's `path: message` line. */
export function errorNote(err: unknown, title = 'Could not load: '): HTMLElement {
  const e = err as { message?: string; problems?: readonly string[] };
  return h(
    'div',
    { class: 'note note-error', role: 'alert' },
    h('strong', null, title),
    e.message ?? String(err),
    e.problems !== undefined && e.problems.length > 0
      ? h(
          'ul',
          { class: 'problems' },
          e.problems.map((p) => h('li', null, p)),
        )
      : null,
  );
}

/**
 * Polls `tick` every `everyMs` while the page is visible and not paused; shows when the data was
 * last refreshed and a pause button. dispose() stops it.
 */
export function livePoller(tick: () => Promise<void>, everyMs: number): { el: HTMLElement; refresh(): Promise<void>; dispose(): void } {
  let paused = false;
  let disposed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stamp = h('span', { class: 'live-stamp' }, 'Loading…');
  const button = h('button', { type: 'button', class: 'btn btn-small', 'aria-pressed': 'false' }, 'Pause live updates');
  const schedule = () => {
    if (timer !== undefined) clearTimeout(timer);
    if (!disposed && !paused) timer = setTimeout(() => void run(), everyMs);
  };
  const run = async () => {
    if (disposed) return;
    if (document.hidden) return schedule();
    try {
      await tick();
      stamp.textContent = `Live · updated ${fmtClock(Date.now())}`;
      stamp.classList.remove('stale');
    } catch (err) {
      stamp.textContent = `Update failed at ${fmtClock(Date.now())}: ${(err as Error).message}`;
      stamp.classList.add('stale');
    }
    schedule();
  };
  button.addEventListener('click', () => {
    paused = !paused;
    button.setAttribute('aria-pressed', String(paused));
    button.textContent = paused ? 'Resume live updates' : 'Pause live updates';
    if (paused) {
      if (timer !== undefined) clearTimeout(timer);
      stamp.textContent = `Paused · ${stamp.textContent?.replace(/^Live · |^Paused · /, '') ?? ''}`;
    } else void run();
  });
  const onVisible = () => {
    if (!document.hidden && !paused) void run();
  };
  document.addEventListener('visibilitychange', onVisible);
  return {
    el: h('div', { class: 'live' }, stamp, button),
    refresh: run,
    dispose: () => {
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}

/** A group of toggle buttons (one pressed), e.g. time ranges or status filters. */
export function toggleGroup<T extends string>(label: string, options: readonly { value: T; text: string }[], current: T, onPick: (v: T) => void): HTMLElement {
  const buttons = options.map((o) =>
    h(
      'button',
      { type: 'button', class: 'btn btn-toggle', 'aria-pressed': String(o.value === current), 'data-value': o.value, onclick: () => onPick(o.value) },
      o.text,
    ),
  );
  return h('div', { class: 'toggle-group', role: 'group', 'aria-label': label }, buttons);
}
