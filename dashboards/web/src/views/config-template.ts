/**
 * One template (`#/config/template/NAME`, or `#/config/template` for a new one): its YAML text and
 * the practices it is assigned to (all, or a list of ODS codes). *Review changes* shows the edit as
 * a line diff against the published text; *Save and publish* PUTs it — the collector validates it
 * for every assigned practice first and refuses it with every problem as `practice …, template …
 * line …: path: message` — and then shows the new version and a practice's preview (its rendered
 * checks against what its agents run now). Delete asks twice.
 */
import { ApiError } from '../api.ts';
import type { App, View } from '../app.ts';
import { h, replace } from '../dom.ts';
import { errorNote } from '../components.ts';
import type { ConfigTemplate, ConfigTemplateList } from '../types.ts';
import { diffBlock, lineDiff, previewPanel } from './config-parts.ts';

const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

const STARTER = `description: what these checks are for
# include: [ spine-pds ]          # national application catalogue entries (GET /api/v1/catalogue)
checks:
  - { kind: icmp, id: lan-gateway, target: "{{ lanGateway }}", role: lan-gateway, intervalMs: 30000 }
`;

/** ODS codes typed with commas, spaces or new lines, upper-cased. */
function parseCodes(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
}

/** `published`: the version a new template was just published as (it is then opened here by name). */
export function templateEditorView(app: App, name: string | undefined, published: string | null = null): View {
  let saved: ConfigTemplate | undefined;
  const isNew = name === undefined;
  const title = isNew ? 'New template' : `Template ${name}`;

  const nameInput = h('input', { id: 'tpl-name', type: 'text', required: true, autocomplete: 'off', pattern: NAME_PATTERN.source, value: name ?? '' });
  const source = h('textarea', { id: 'tpl-source', class: 'code-input', rows: 18, spellcheck: 'false', autocomplete: 'off' });
  source.value = isNew ? STARTER : '';
  const toAll = h('input', { id: 'tpl-all', type: 'radio', name: 'tpl-assign', value: 'all', checked: true });
  const toSome = h('input', { id: 'tpl-some', type: 'radio', name: 'tpl-assign', value: 'some' });
  const codes = h('input', { id: 'tpl-practices', type: 'text', autocomplete: 'off', placeholder: 'A81001, B82002' });
  const review = h('div', { class: 'config-review', 'aria-live': 'polite' });
  const out = h(
    'div',
    { role: 'status', 'aria-live': 'polite' },
    published !== null && /^\d+$/.test(published)
      ? h('p', { class: 'note published' }, `Published as version ${published}. Agents of the assigned practices take it at their next pull.`)
      : null,
  );
  const previewEl = h('div');
  const deleteEl = h('span');

  const assignment = (): 'all' | string[] => (toAll.checked ? 'all' : parseCodes(codes.value));
  const currentName = (): string => (isNew ? nameInput.value.trim() : (name as string));

  function showAssignment(p: ConfigTemplate['practices']): void {
    toAll.checked = p === 'all';
    toSome.checked = p !== 'all';
    codes.value = p === 'all' ? '' : p.join(', ');
  }

  function showReview(): void {
    const before = saved?.source ?? '';
    const beforeAssign = saved === undefined ? '—' : saved.practices === 'all' ? 'all practices' : saved.practices.join(', ') || 'no practice';
    const a = assignment();
    const afterAssign = a === 'all' ? 'all practices' : a.join(', ') || 'no practice';
    replace(
      review,
      h('h3', { class: 'small-heading' }, saved === undefined ? 'New text' : 'Changes to the published text'),
      diffBlock(lineDiff(before, source.value), 'Template changes'),
      beforeAssign === afterAssign ? null : h('p', null, `Assigned to: ${beforeAssign} → ${afterAssign}`),
    );
  }

  /** After a publish: a practice's preview (one of those the template is assigned to). */
  async function showPreviewPicker(): Promise<void> {
    const a = assignment();
    let choices = a === 'all' ? [] : a;
    if (a === 'all') {
      const list = await app.api.get<{ items: { ods: string }[] }>('/api/v1/practices', { limit: 1000, sort: 'ods' });
      choices = list.items.map((p) => p.ods);
    }
    if (choices.length === 0) return replace(previewEl);
    const pick = h(
      'select',
      { id: 'tpl-preview-practice' },
      choices.map((c) => h('option', { value: c }, c)),
    );
    const holder = h('div');
    const showFor = (ods: string) => {
      const panel = previewPanel(app, ods);
      replace(holder, panel.el, h('p', null, h('a', { href: `#/config/practice/${encodeURIComponent(ods)}` }, `Values and agents of ${ods}`)));
      void panel.load();
    };
    pick.addEventListener('change', () => showFor(pick.value));
    replace(
      previewEl,
      h('h2', null, 'Preview'),
      h('div', { class: 'field inline' }, h('label', { for: 'tpl-preview-practice' }, 'Preview for practice'), pick),
      holder,
    );
    showFor(choices[0] as string);
  }

  /** A new template must not replace one of the same name by accident (PUT would). */
  async function exists(n: string): Promise<boolean> {
    const list = await app.api.get<ConfigTemplateList>('/api/v1/config/templates');
    return list.templates.some((t) => t.name === n);
  }

  async function save(): Promise<void> {
    const n = currentName();
    if (!NAME_PATTERN.test(n)) {
      replace(out, errorNote({ message: 'lower-case letters, digits and -, at most 63 characters (e.g. hscn)' }, 'Template name: '));
      return;
    }
    try {
      if (isNew && (await exists(n))) {
        replace(
          out,
          h(
            'div',
            { class: 'note note-error', role: 'alert' },
            `A template named ${n} exists already: `,
            h('a', { href: `#/config/template/${encodeURIComponent(n)}` }, `open ${n}`),
            ' to change it, or pick another name.',
          ),
        );
        return;
      }
      const res = await app.api.send<{ version: number }>('PUT', `/api/v1/config/templates/${encodeURIComponent(n)}`, {
        source: source.value,
        practices: assignment(),
      });
      replace(previewEl); // the preview of the version before is stale now
      replace(out, h('p', { class: 'note published' }, `Published as version ${res.version}. Agents of the assigned practices take it at their next pull.`));
      app.announce(`Template ${n} published as version ${res.version}`);
      if (isNew) {
        app.go(`#/config/template/${encodeURIComponent(n)}?published=${res.version}`);
        return;
      }
      saved = await app.api.get<ConfigTemplate>(`/api/v1/config/templates/${encodeURIComponent(n)}`);
      replace(review);
      await showPreviewPicker();
    } catch (err) {
      replace(out, errorNote(err, 'Not published: '));
    }
  }

  async function remove(): Promise<void> {
    try {
      const res = await app.api.send<{ version: number }>('DELETE', `/api/v1/config/templates/${encodeURIComponent(name as string)}`);
      app.announce(`Template ${name} deleted in version ${res.version}`);
      app.go('#/config');
    } catch (err) {
      replace(out, errorNote(err, 'Not deleted: '));
    }
  }

  const first = h(
    'button',
    {
      type: 'button',
      class: 'btn',
      onclick: () =>
        replace(
          deleteEl,
          h('button', { type: 'button', class: 'btn', onclick: () => void remove() }, `Confirm: delete ${name ?? ''}`),
          ' ',
          h('button', { type: 'button', class: 'btn', onclick: () => replace(deleteEl, first) }, 'Cancel'),
        ),
    },
    'Delete template',
  );
  if (!isNew) replace(deleteEl, first);

  const form = h(
    'form',
    { class: 'config-form', 'aria-label': title },
    isNew ? h('div', { class: 'field' }, h('label', { for: 'tpl-name' }, 'Template name'), nameInput) : null,
    h('div', { class: 'field' }, h('label', { for: 'tpl-source' }, 'Template (YAML)'), source),
    h(
      'fieldset',
      { class: 'assign' },
      h('legend', null, 'Assigned to'),
      h('label', { for: 'tpl-all' }, toAll, ' All practices'),
      h('label', { for: 'tpl-some' }, toSome, ' These practices'),
      h('label', { for: 'tpl-practices', class: 'visually-hidden' }, 'Practice ODS codes'),
      codes,
    ),
    h(
      'div',
      { class: 'controls' },
      h('button', { type: 'button', class: 'btn', onclick: showReview }, 'Review changes'),
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save and publish'),
      deleteEl,
    ),
  );
  codes.addEventListener('input', () => {
    if (codes.value.trim() !== '') toSome.checked = true;
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void save();
  });

  const el = h(
    'section',
    { class: 'config-page' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/config' }, 'Configuration'), ' › ', title),
    h('h1', null, title),
    form,
    out,
    review,
    previewEl,
  );

  if (!isNew) {
    app.api
      .get<ConfigTemplate>(`/api/v1/config/templates/${encodeURIComponent(name as string)}`)
      .then((t) => {
        saved = t;
        source.value = t.source;
        showAssignment(t.practices);
        return showPreviewPicker();
      })
      .catch((err: unknown) => replace(out, err instanceof ApiError && err.status === 404 ? errorNote(err, 'No such template: ') : errorNote(err)));
  }
  return { el, title, dispose: () => undefined };
}
