/**
 * Configuration (`#/config…`, service desk and admins; a practice user never gets here — main.ts
 * sends them to their practice, and every route behind it answers them 403): the agents' checks
 * as templates with practice values, published in versions (docs/configuration.md).
 *
 *   #/config                   templates, a practice picker, versions (who, when) with roll back
 *   #/config/template[/NAME]   a template's YAML and assignment: review, publish, preview (./config-template.ts);
 *                              ?published=N after a new template was published as version N
 *   #/config/practice/ODS      a practice's values, extra checks, preview and agents (./config-practice.ts)
 */
import type { App, View } from '../app.ts';
import { h, replace } from '../dom.ts';
import { errorNote } from '../components.ts';
import type { ConfigTemplateList } from '../types.ts';
import { versionsSection } from './config-parts.ts';
import { practiceConfigView } from './config-practice.ts';
import { templateEditorView } from './config-template.ts';

function assignedText(p: ConfigTemplateList['templates'][number]['practices']): string {
  if (p === 'all') return 'all practices';
  if (p.length === 0) return 'no practice';
  return p.length <= 6 ? p.join(', ') : `${p.slice(0, 5).join(', ')} and ${p.length - 5} more`;
}

function configIndexView(app: App): View {
  const templatesEl = h('div', null, h('p', { class: 'muted' }, 'Loading templates…'));
  const currentEl = h('span', { class: 'muted' });
  const versions = versionsSection(app, () => void loadTemplates());

  async function loadTemplates(): Promise<void> {
    try {
      const res = await app.api.get<ConfigTemplateList>('/api/v1/config/templates');
      replace(currentEl, res.version === 0 ? 'Nothing published yet.' : `Current version: ${res.version}.`);
      replace(
        templatesEl,
        res.templates.length === 0
          ? h('p', { class: 'empty' }, 'No template yet.')
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'config-templates' },
                h('caption', { class: 'visually-hidden' }, 'Templates'),
                h(
                  'thead',
                  null,
                  h(
                    'tr',
                    null,
                    ['Template', 'Assigned to', 'Checks', 'Includes'].map((t) => h('th', { scope: 'col' }, t)),
                  ),
                ),
                h(
                  'tbody',
                  null,
                  res.templates.map((t) =>
                    h(
                      'tr',
                      { 'data-name': t.name },
                      h('th', { scope: 'row' }, h('a', { href: `#/config/template/${encodeURIComponent(t.name)}` }, t.name)),
                      h('td', null, assignedText(t.practices)),
                      h('td', { class: 'num' }, String(t.checks)),
                      h('td', null, t.include.length === 0 ? '—' : t.include.join(', ')),
                    ),
                  ),
                ),
              ),
            ),
      );
    } catch (err) {
      replace(templatesEl, errorNote(err));
    }
  }

  const ods = h('input', { id: 'cfg-practice', type: 'text', autocomplete: 'off', required: true, list: 'cfg-practices', placeholder: 'A81001' });
  const datalist = h('datalist', { id: 'cfg-practices' });
  const picker = h(
    'form',
    { class: 'controls', 'aria-label': 'Open a practice' },
    h('div', { class: 'field inline' }, h('label', { for: 'cfg-practice' }, 'Practice (ODS code)'), ods, datalist),
    h('button', { type: 'submit', class: 'btn' }, 'Values, preview and agents'),
  );
  picker.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = ods.value.trim().toUpperCase();
    if (code !== '') app.go(`#/config/practice/${encodeURIComponent(code)}`);
  });
  app.api
    .get<{ items: { ods: string; name: string }[] }>('/api/v1/practices', { limit: 1000, sort: 'ods' })
    .then((res) =>
      replace(
        datalist,
        res.items.map((p) => h('option', { value: p.ods }, p.name)),
      ),
    )
    .catch((err: unknown) => replace(datalist.parentElement ?? datalist, errorNote(err)));

  void loadTemplates();
  void versions.load();
  return {
    el: h(
      'section',
      { class: 'config-page' },
      h('h1', null, 'Configuration'),
      h(
        'p',
        null,
        'The checks of agents that pull their config (collector.config: pull): templates with {{ variables }}, each practice’s values, published in versions. ',
        currentEl,
      ),
      h('div', { class: 'page-head' }, h('h2', null, 'Templates'), h('a', { href: '#/config/template', class: 'btn' }, 'New template')),
      templatesEl,
      h('h2', null, 'Practices'),
      picker,
      h('h2', null, 'Versions'),
      versions.el,
    ),
    title: 'Configuration',
    dispose: () => undefined,
  };
}

export function configView(app: App, path: readonly string[], params: URLSearchParams): View {
  if (path[0] === 'template') return templateEditorView(app, path[1], params.get('published'));
  if (path[0] === 'practice' && path[1] !== undefined) return practiceConfigView(app, path[1].toUpperCase());
  return configIndexView(app);
}
