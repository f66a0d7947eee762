import {h, time, field, showFormError, formValues} from '../lib/dom.js';
import * as api from '../lib/api.js';
import {can} from '../lib/roles.js';
import {listing} from '../lib/listing.js';

export default function teams(main, me) {
  const list = h('div', {});
  let view;
  if (can(me, 'teams.create')) {
    const form = h('form', {class: 'inline-form', 'aria-label': 'Create a team'}, h('h2', {}, 'Create a team'),
      field('Name', 'name', {required: true}),
      h('div', {class: 'field-error', 'data-error-for': '_form', role: 'alert'}),
      h('button', {type: 'submit', class: 'primary'}, 'Create team'));
    form.addEventListener('submit', async e => {
      e.preventDefault();
      try { await api.post('teams', formValues(form)); form.reset(); showFormError(form, {}); view.reload(); }
      catch (error) { showFormError(form, error); }
    });
    main.append(form);
  }
  main.append(list);
  view = listing(list, 'teams', () => ({}), ['Name', 'Id', 'Created'],
    t => [t.name, h('code', {}, t.id), time(t.created_at)], 'No teams yet.');
}
