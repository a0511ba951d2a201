/**
 * One practice's config (`#/config/practice/ODS`): its values — plain ones shown and editable,
 * secrets only as "set" or "not set" with *Replace* (a new secret is sent once and never shown
 * again) — the variables its templates use that it has no value for ("not set"), its extra checks
 * (YAML), *Save and publish* (refusals as the API's `path: message` lines), the preview of its
 * rendered config against what its agents run, and each agent's version and last apply result.
 */
import type { App, View } from '../app.ts';
import { h, replace } from '../dom.ts';
import { errorNote } from '../components.ts';
import type { ConfigCatalogue, ConfigTemplate, ConfigValue, ConfigValues, ConfigValuesBody } from '../types.ts';
import { configAgentsTable, previewPanel, type ConfigAgentItem } from './config-parts.ts';

/** `{{ name }}` in a template's text (the collector's placeholder). */
const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]{0,63})\s*\}\}/g;
const VARIABLE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** One row of the values table: what it was, and the control that says what it is now. */
interface Row {
  name: string;
  secret: boolean;
  /** A stored secret (sent back as `{ secret: true }` unless replaced). */
  stored: boolean;
  original?: ConfigValue;
  input: HTMLInputElement;
  removed: boolean;
}

function asPlain(text: string, original: ConfigValue | undefined): string | number | boolean {
  if (typeof original === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (typeof original === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

export function practiceConfigView(app: App, ods: string): View {
  const rows: Row[] = [];
  const valuesEl = h('div', null, h('p', { class: 'muted' }, 'Loading values…'));
  const extra = h('textarea', { id: 'cfg-extra', class: 'code-input', rows: 8, spellcheck: 'false', autocomplete: 'off' });
  const out = h('div', { role: 'status', 'aria-live': 'polite' });
  const templatesEl = h('p', { class: 'muted' });
  const agentsEl = h('div', null, h('p', { class: 'muted' }, 'Loading agents…'));
  const preview = previewPanel(app, ods);

  function valueCell(r: Row): HTMLElement {
    if (!r.secret) return h('td', null, r.input);
    const cell = h('td');
    const replaceIt = () => {
      replace(cell, r.input, ' ', h('span', { class: 'muted small' }, r.stored ? 'new secret (leave empty to keep the stored one)' : 'secret'));
      r.input.focus();
    };
    replace(
      cell,
      h('span', { class: r.stored ? 'secret-set' : 'secret-unset' }, r.stored ? 'set' : 'not set'),
      ' ',
      h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Replace secret ${r.name}`, onclick: replaceIt }, r.stored ? 'Replace' : 'Set'),
    );
    return cell;
  }

  /** Stored values keep their kind; a value not set yet can be made a secret before it is saved. */
  function kindControl(r: Row): HTMLElement | string {
    if (r.original !== undefined) return r.secret ? 'secret' : 'plain';
    const box = h('input', { type: 'checkbox', checked: r.secret, 'aria-label': `${r.name} is a secret` });
    box.addEventListener('change', () => {
      r.secret = box.checked;
      r.input.type = box.checked ? 'password' : 'text';
      r.input.autocomplete = box.checked ? 'new-password' : 'off';
    });
    return h('label', null, box, ' secret');
  }

  function rowEl(r: Row): HTMLElement {
    const tr = h(
      'tr',
      { 'data-name': r.name },
      h('th', { scope: 'row' }, h('code', null, r.name)),
      valueCell(r),
      h('td', null, kindControl(r)),
      h(
        'td',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-small',
            'aria-label': `Remove value ${r.name}`,
            onclick: () => {
              r.removed = true;
              tr.remove();
            },
          },
          'Remove',
        ),
      ),
    );
    return tr;
  }

  function newRow(name: string, secret: boolean, original?: ConfigValue): Row {
    const stored = typeof original === 'object';
    const input = h('input', {
      type: secret ? 'password' : 'text',
      autocomplete: secret ? 'new-password' : 'off',
      'aria-label': secret ? `New secret ${name}` : `Value of ${name}`,
      value: original === undefined || typeof original === 'object' ? '' : String(original),
    });
    return { name, secret, stored, ...(original === undefined ? {} : { original }), input, removed: false };
  }

  const tbody = h('tbody');
  const addName = h('input', { id: 'cfg-add-name', type: 'text', autocomplete: 'off', placeholder: 'lanGateway' });
  const addSecret = h('input', { id: 'cfg-add-secret', type: 'checkbox' });
  const addOut = h('span', { role: 'status', class: 'form-status error' });
  const addButton = h('button', { type: 'button', class: 'btn btn-small' }, 'Add value');
  addButton.addEventListener('click', () => {
    const name = addName.value.trim();
    if (!VARIABLE.test(name)) return void (addOut.textContent = `${name === '' ? 'Name' : name}: letters, digits and _, starting with a letter`);
    if (rows.some((r) => r.name === name && !r.removed)) return void (addOut.textContent = `${name}: already in the table`);
    addOut.textContent = '';
    const r = newRow(name, addSecret.checked);
    rows.push(r);
    tbody.append(rowEl(r));
    addName.value = '';
    addSecret.checked = false;
    r.input.focus();
  });

  /** Variables the practice's templates (and the catalogue entries they include) use. */
  async function neededVariables(templates: readonly string[]): Promise<Set<string>> {
    const need = new Set<string>();
    const includes = new Set<string>();
    for (const t of templates) {
      const tpl = await app.api.get<ConfigTemplate>(`/api/v1/config/templates/${encodeURIComponent(t)}`);
      for (const m of tpl.source.matchAll(PLACEHOLDER)) need.add(m[1] as string);
      for (const i of tpl.include) includes.add(i);
    }
    if (includes.size > 0) {
      const cat = await app.api.get<ConfigCatalogue>('/api/v1/catalogue');
      for (const e of cat.entries) if (includes.has(e.name)) for (const v of Object.keys(e.variables)) need.add(v);
    }
    return need;
  }

  async function loadValues(): Promise<void> {
    try {
      const v = await app.api.get<ConfigValues>(`/api/v1/practices/${encodeURIComponent(ods)}/config/values`);
      rows.length = 0;
      for (const [name, value] of Object.entries(v.values).sort(([a], [b]) => a.localeCompare(b))) rows.push(newRow(name, typeof value === 'object', value));
      extra.value = v.extraChecks;
      const need = await neededVariables(v.templates);
      for (const name of [...need].sort()) if (!rows.some((r) => r.name === name)) rows.push(newRow(name, false));
      replace(
        templatesEl,
        v.templates.length === 0
          ? 'No template is assigned to this practice.'
          : ['Templates: ', ...v.templates.flatMap((t, i) => [i === 0 ? '' : ', ', h('a', { href: `#/config/template/${encodeURIComponent(t)}` }, t)])],
      );
      replace(tbody, rows.map(rowEl));
      replace(
        valuesEl,
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'config-values' },
            h('caption', { class: 'visually-hidden' }, `Values of ${ods}`),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['Name', 'Value', 'Kind', ''].map((t) => h('th', { scope: 'col' }, t)),
              ),
            ),
            tbody,
          ),
        ),
        h(
          'div',
          { class: 'controls' },
          h('div', { class: 'field inline' }, h('label', { for: 'cfg-add-name' }, 'New value name'), addName),
          h('label', { for: 'cfg-add-secret' }, addSecret, ' Secret (an SNMP community or key)'),
          addButton,
          addOut,
        ),
      );
    } catch (err) {
      replace(valuesEl, errorNote(err));
    }
  }

  function body(): ConfigValuesBody {
    const values: ConfigValuesBody['values'] = {};
    for (const r of rows) {
      if (r.removed) continue;
      if (r.secret) {
        if (r.input.value !== '') values[r.name] = { secret: r.input.value };
        else if (r.stored) values[r.name] = { secret: true };
      } else if (r.input.value !== '' || r.original !== undefined) values[r.name] = asPlain(r.input.value, r.original);
    }
    return { values, extraChecks: extra.value };
  }

  async function save(): Promise<void> {
    try {
      const res = await app.api.send<{ version: number }>('PUT', `/api/v1/practices/${encodeURIComponent(ods)}/config/values`, body());
      replace(out, h('p', { class: 'note published' }, `Published as version ${res.version}. The agents of ${ods} take it at their next pull.`));
      app.announce(`Values of ${ods} published as version ${res.version}`);
      await Promise.all([loadValues(), preview.load()]);
    } catch (err) {
      replace(out, errorNote(err, 'Not published: '));
    }
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
    { class: 'config-form', 'aria-label': `Values of ${ods}` },
    h('h2', null, 'Values'),
    templatesEl,
    valuesEl,
    h('div', { class: 'field' }, h('label', { for: 'cfg-extra' }, 'Extra checks (YAML list, agent format; may use the values)'), extra),
    h('div', { class: 'controls' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save and publish')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void save();
  });

  void loadValues();
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
