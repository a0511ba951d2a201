/**
 * The values table of a practice's config page (./config-practice.ts): plain values in editable
 * fields; secrets only as "set" or "not set" with *Replace* (a new secret is sent once, never shown
 * again; left empty the stored one is kept); the variables the templates use that the practice has
 * no value for, as "not set" rows with the templates that use them; *Add value* and *Remove*.
 * `body()` is what PUT /api/v1/practices/:ods/config/values takes.
 */
import { h, replace } from '../dom.ts';
import type { ConfigValue, ConfigValuesBody } from '../types.ts';

const VARIABLE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** One row: what it was, and the control that says what it is now. */
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

function newRow(name: string, secret: boolean, original?: ConfigValue): Row {
  const input = h('input', {
    type: secret ? 'password' : 'text',
    autocomplete: secret ? 'new-password' : 'off',
    'aria-label': secret ? `New secret ${name}` : `Value of ${name}`,
    value: original === undefined || typeof original === 'object' ? '' : String(original),
  });
  return { name, secret, stored: typeof original === 'object', ...(original === undefined ? {} : { original }), input, removed: false };
}

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
    r.input.setAttribute('aria-label', box.checked ? `New secret ${r.name}` : `Value of ${r.name}`);
  });
  return h('label', null, box, ' secret');
}

export interface ValuesEditor {
  el: HTMLElement;
  /** Show a practice's stored values, and a "not set" row for each variable in `uses` it lacks. */
  show(values: Record<string, ConfigValue>, uses: ReadonlyMap<string, readonly string[]>): void;
  body(): ConfigValuesBody['values'];
}

export function valuesEditor(ods: string): ValuesEditor {
  const rows: Row[] = [];
  let uses: ReadonlyMap<string, readonly string[]> = new Map();
  const tbody = h('tbody');

  function rowEl(r: Row): HTMLElement {
    const tr = h(
      'tr',
      { 'data-name': r.name },
      h('th', { scope: 'row' }, h('code', null, r.name)),
      valueCell(r),
      h('td', null, kindControl(r)),
      h('td', { class: 'small' }, (uses.get(r.name) ?? []).join(', ') || '—'),
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

  const el = h(
    'div',
    null,
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
            ['Name', 'Value', 'Kind', 'Used by', ''].map((t) => h('th', { scope: 'col' }, t)),
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

  return {
    el,
    show(values, used) {
      uses = used;
      rows.length = 0;
      for (const [name, value] of Object.entries(values).sort(([a], [b]) => a.localeCompare(b))) rows.push(newRow(name, typeof value === 'object', value));
      for (const name of [...used.keys()].sort()) if (!rows.some((r) => r.name === name)) rows.push(newRow(name, false));
      replace(tbody, rows.map(rowEl));
    },
    body() {
      const values: ConfigValuesBody['values'] = {};
      for (const r of rows) {
        if (r.removed) continue;
        if (r.secret) {
          if (r.input.value !== '') values[r.name] = { secret: r.input.value };
          else if (r.stored) values[r.name] = { secret: true };
        } else if (r.input.value !== '' || r.original !== undefined) values[r.name] = asPlain(r.input.value, r.original);
      }
      return values;
    },
  };
}
