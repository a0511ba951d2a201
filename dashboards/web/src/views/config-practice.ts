/**
 * One practice's config (`#/config/practice/ODS`) — onboarding in one place: the templates with a
 * box for each (ticked: assigned to this practice; a template for all practices is always on), its
 * values (./config-values.ts: every variable the templates use is listed, "not set" until filled),
 * its extra checks (YAML), *Save and publish* — the values first, then each template whose box
 * changed with this practice added or removed (the collector refuses a template for a practice
 * without its values; refusals as the API's `path: message` lines) — the preview of its rendered
 * config against what its agents run, and each agent's version and last apply result.
 */
import type { App, View } from '../app.ts';
import { h, replace } from '../dom.ts';
import { errorNote } from '../components.ts';
import type { ConfigCatalogue, ConfigTemplate, ConfigTemplateList, ConfigValues } from '../types.ts';
import { configAgentsTable, previewPanel, type ConfigAgentItem } from './config-parts.ts';
import { valuesEditor } from './config-values.ts';

/** `{{ name }}` in a template's text (the collector's placeholder). */
const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]{0,63})\s*\}\}/g;

interface TemplateChoice {
  template: ConfigTemplate;
  box: HTMLInputElement;
  assigned: boolean;
}

export function practiceConfigView(app: App, ods: string): View {
  const values = valuesEditor(ods);
  const extra = h('textarea', { id: 'cfg-extra', class: 'code-input', rows: 8, spellcheck: 'false', autocomplete: 'off' });
  const out = h('div', { role: 'status', 'aria-live': 'polite' });
  const templatesEl = h('fieldset', { class: 'assign' }, h('legend', null, 'Templates'), h('span', { class: 'muted' }, 'Loading templates…'));
  const agentsEl = h('div', null, h('p', { class: 'muted' }, 'Loading agents…'));
  const preview = previewPanel(app, ods);
  let choices: TemplateChoice[] = [];

  /** Which templates (and the catalogue entries they include) use each variable. */
  async function variableUses(templates: readonly ConfigTemplate[]): Promise<Map<string, string[]>> {
    const uses = new Map<string, string[]>();
    const add = (v: string, by: string) => uses.set(v, [...new Set([...(uses.get(v) ?? []), by])]);
    for (const t of templates) for (const m of t.source.matchAll(PLACEHOLDER)) add(m[1] as string, t.name);
    if (templates.some((t) => t.include.length > 0)) {
      const cat = await app.api.get<ConfigCatalogue>('/api/v1/catalogue');
      for (const t of templates) for (const e of cat.entries) if (t.include.includes(e.name)) for (const v of Object.keys(e.variables)) add(v, t.name);
    }
    return uses;
  }

  async function load(): Promise<void> {
    try {
      const [v, list] = await Promise.all([
        app.api.get<ConfigValues>(`/api/v1/practices/${encodeURIComponent(ods)}/config/values`),
        app.api.get<ConfigTemplateList>('/api/v1/config/templates'),
      ]);
      const templates = await Promise.all(list.templates.map((t) => app.api.get<ConfigTemplate>(`/api/v1/config/templates/${encodeURIComponent(t.name)}`)));
      choices = templates.map((template) => {
        const forAll = template.practices === 'all';
        const assigned = forAll || template.practices.includes(ods);
        const box = h('input', { type: 'checkbox', id: `cfg-tpl-${template.name}`, checked: assigned, disabled: forAll });
        return { template, box, assigned };
      });
      replace(
        templatesEl,
        h('legend', null, `Templates for ${ods}`),
        choices.length === 0
          ? h('span', { class: 'muted' }, 'No template yet: ', h('a', { href: '#/config/template' }, 'make one'), '.')
          : choices.map((c) =>
              h(
                'label',
                { for: c.box.id },
                c.box,
                ' ',
                c.template.name,
                c.template.practices === 'all' ? h('span', { class: 'muted small' }, ' (all practices)') : null,
              ),
            ),
      );
      values.show(v.values, await variableUses(templates));
      extra.value = v.extraChecks;
    } catch (err) {
      replace(out, errorNote(err));
    }
  }

  async function save(): Promise<void> {
    let version: number;
    try {
      version = (
        await app.api.send<{ version: number }>('PUT', `/api/v1/practices/${encodeURIComponent(ods)}/config/values`, {
          values: values.body(),
          extraChecks: extra.value,
        })
      ).version;
    } catch (err) {
      replace(out, errorNote(err, 'Not published: '));
      return;
    }
    for (const c of choices) {
      if (c.box.checked === c.assigned || c.template.practices === 'all') continue;
      const practices = c.box.checked ? [...c.template.practices, ods] : c.template.practices.filter((p) => p !== ods);
      try {
        const path = `/api/v1/config/templates/${encodeURIComponent(c.template.name)}`;
        version = (await app.api.send<{ version: number }>('PUT', path, { source: c.template.source, practices })).version;
      } catch (err) {
        replace(out, h('p', { class: 'note' }, `Values published as version ${version}.`), errorNote(err, `Template ${c.template.name} not changed: `));
        await Promise.all([load(), preview.load()]);
        return;
      }
    }
    replace(out, h('p', { class: 'note published' }, `Published as version ${version}. The agents of ${ods} take it at their next pull.`));
    app.announce(`Config of ${ods} published as version ${version}`);
    await Promise.all([load(), preview.load()]);
  }

  async function loadAgents(): Promise<void> {
    try {
      const res = await app.api.get<{ agents: ConfigAgentItem[] }>(`/api/v1/practices/${encodeURIComponent(ods)}/agents`);
      replace(agentsEl, configAgentsTable(ods, res.agents));
    } catch (err) {
      replace(agentsEl, errorNote(err));
    }
  }

  const form = h(
    'form',
    { class: 'config-form', 'aria-label': `Config of ${ods}` },
    templatesEl,
    h('h2', null, 'Values'),
    values.el,
    h('div', { class: 'field' }, h('label', { for: 'cfg-extra' }, 'Extra checks (YAML list, agent format; may use the values)'), extra),
    h('div', { class: 'controls' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save and publish')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void save();
  });

  void load();
  void preview.load();
  void loadAgents();
  const title = `Configuration of ${ods}`;
  return {
    el: h(
      'section',
      { class: 'config-page' },
      h(
        'p',
        { class: 'crumbs' },
        h('a', { href: '#/config' }, 'Configuration'),
        ' › ',
        ods,
        ' · ',
        h('a', { href: `#/practice/${encodeURIComponent(ods)}` }, 'Practice page'),
      ),
      h('h1', null, title),
      form,
      out,
      h('h2', null, 'Preview'),
      preview.el,
      h('h2', null, 'Agents'),
      agentsEl,
    ),
    title,
    dispose: () => undefined,
  };
}
