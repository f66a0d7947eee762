import {h, clear, table, loading, failure} from './dom.js';
import * as api from './api.js';

/**
 * A paged listing of an admin collection: one call per page (the API's nextCursor), rows drawn
 * by `row(item)` into `headers`. Returns {reload} for after a change.
 */
export function listing(el, path, params, headers, row, empty) {
  let pages = [];
  async function load(cursor) {
    if (!cursor) clear(el).append(loading());
    try {
      const r = await api.get(path, {...params(), limit: 100, cursor});
      pages = cursor ? pages.concat(r.data) : r.data;
      clear(el).append(table(headers, pages.map(row), empty));
      if (r.nextCursor) el.append(h('button', {type: 'button', class: 'more', onclick: () => load(r.nextCursor)}, 'Load more'));
    } catch (error) {
      clear(el).append(failure(error));
    }
  }
  load(null);
  return {reload: () => load(null)};
}

/** A form that posts to the API and shows errors next to the field they name. */
export function actionForm(title, fields, submitLabel, onSubmit) {
  const form = h('form', {class: 'inline-form', 'aria-label': title}, h('h2', {}, title), fields,
    h('div', {class: 'field-error', 'data-error-for': '_form', role: 'alert'}),
    h('button', {type: 'submit', class: 'primary'}, submitLabel));
  return form;
}
