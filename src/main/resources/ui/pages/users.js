import {h, time, field, showFormError, formValues} from '../lib/dom.js';
import * as api from '../lib/api.js';
import {can} from '../lib/roles.js';
import {listing} from '../lib/listing.js';

export default function users(main, me) {
  for (const [noun, path] of [['user', 'users'], ['service account', 'service-accounts']]) {
    const list = h('div', {});
    let view;
    if (can(me, 'team.write')) {
      const form = h('form', {class: 'inline-form', 'aria-label': 'Create a ' + noun}, h('h2', {}, 'Create a ' + noun),
        field('Name', 'name', {required: true}),
        noun === 'user' ? field('Email', 'email', {type: 'email'}) : null,
        field('Team id', 'team_id', {value: can(me, 'org') ? '' : me.team_id}),
        noun === 'user' ? field('Role', 'role', {options: [['member', 'member'], ['team-admin', 'team-admin'],
          ...(can(me, 'org') ? [['auditor', 'auditor'], ['admin', 'admin']] : [])]}) : null,
        h('div', {class: 'field-error', 'data-error-for': '_form', role: 'alert'}),
        h('button', {type: 'submit', class: 'primary'}, 'Create ' + noun));
      form.addEventListener('submit', async e => {
        e.preventDefault();
        try { await api.post(path, formValues(form)); form.reset(); showFormError(form, {}); view.reload(); }
        catch (error) { showFormError(form, error); }
      });
      main.append(form);
    }
    main.append(h('h2', {}, noun === 'user' ? 'Users' : 'Service accounts'), list);
    view = listing(list, path, () => ({}), ['Name', 'Id', 'Email', 'Team', 'Role', 'Created'],
      u => [u.name, h('code', {}, u.id), u.email || '', u.team_id || '', u.role || '', time(u.created_at)], 'None yet.');
  }
}
