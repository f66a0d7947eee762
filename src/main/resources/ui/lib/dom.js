// DOM helpers. Every value from the API reaches the page as a text node or an attribute set
// through the DOM, never as HTML, so a name like <img src=x onerror=...> renders as text.

/** h('div', {class: 'x', onclick: fn}, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Micro-dollars as dollars with cents; the exact micro-dollars in the tooltip. */
export function money(micros) {
  const m = Number(micros || 0);
  const text = '$' + (m / 1e6).toLocaleString(undefined, {minimumFractionDigits: 2, maximumFractionDigits: 2});
  return h('span', {class: 'money', title: m.toLocaleString() + ' micro-dollars'}, text);
}

/** A time in the user's time zone, UTC on hover. Accepts ISO strings or epoch millis. */
export function time(value) {
  if (value === null || value === undefined || value === '') return h('span', {class: 'muted'}, '—');
  const d = new Date(value);
  if (isNaN(d)) return h('span', {}, String(value));
  return h('time', {datetime: d.toISOString(), title: d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')},
    d.toLocaleString());
}

export function number(n) {
  return Number(n || 0).toLocaleString();
}

/** A table with a header row; rows are arrays of cells (strings or nodes). Empty state included. */
export function table(headers, rows, empty = 'Nothing here yet.') {
  if (!rows.length) return h('p', {class: 'empty'}, empty);
  return h('div', {class: 'table-wrap'}, h('table', {},
    h('thead', {}, h('tr', {}, headers.map(t => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, rows.map(r => r instanceof Node ? r : h('tr', {}, r.map(c => h('td', {}, c)))))));
}

export function loading() {
  return h('p', {class: 'loading', role: 'status'}, 'Loading…');
}

/** An API error in a panel. */
export function failure(error) {
  return h('p', {class: 'error', role: 'alert'}, error.message || String(error));
}

export function panel(title, ...content) {
  return h('section', {class: 'panel'}, h('h2', {}, title), ...content);
}

/** A labelled input; the error slot under it shows the API's message for this field. */
export function field(label, name, attrs = {}) {
  const id = 'f-' + name + '-' + Math.random().toString(36).slice(2, 7);
  const control = attrs.options
    ? h('select', {id, name}, attrs.options.map(o => h('option', {value: o[0], selected: o[0] === attrs.value}, o[1])))
    : h('input', {id, name, type: attrs.type || 'text', placeholder: attrs.placeholder, value: attrs.value,
        required: attrs.required, autocomplete: 'off'});
  return h('div', {class: 'field'}, h('label', {for: id}, label), control,
    h('div', {class: 'field-error', 'data-error-for': name, role: 'alert'}));
}

/** Shows an API error next to the field it names (its `param`), else at the form's end. */
export function showFormError(form, error) {
  form.querySelectorAll('.field-error').forEach(e => clear(e));
  const slot = (error.param && form.querySelector(`[data-error-for="${CSS.escape(error.param)}"]`))
    || form.querySelector('[data-error-for="_form"]');
  if (slot) slot.textContent = error.message;
}

export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (el.name && el.value !== '') out[el.name] = el.value;
  }
  return out;
}
