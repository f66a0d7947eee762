import {h, time, field, showFormError, formValues} from '../lib/dom.js';
import * as api from '../lib/api.js';
import {can} from '../lib/roles.js';
import {listing} from '../lib/listing.js';

const list = v => (v && v.length ? v.join(', ') : 'any');

export default function policies(main, me) {
  const holder = h('div', {});
  let view;
  if (can(me, 'team.write')) {
    const form = h('form', {class: 'inline-form', 'aria-label': 'Create a policy'}, h('h2', {}, 'Create an access policy'),
      field('Name', 'name', {required: true}),
      field('Team id', 'team_id', {value: can(me, 'org') ? '' : me.team_id, placeholder: 'empty: organisation-wide'}),
      field('Models (globs, comma separated)', 'models', {placeholder: 'gpt-4o*, claude-*'}),
      field('Providers', 'providers', {placeholder: 'openai, anthropic'}),
      field('Max tokens per call', 'max_tokens', {type: 'number'}),
      field('Shared vector stores (read-only; ids or globs)', 'vector_stores', {placeholder: 'vs_abc123, vs_handbook*'}),
      h('div', {class: 'field-error', 'data-error-for': '_form', role: 'alert'}),
      h('button', {type: 'submit', class: 'primary'}, 'Create policy'));
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const v = formValues(form);
      for (const k of ['models', 'providers', 'vector_stores']) if (v[k]) v[k] = v[k].split(',').map(s => s.trim()).filter(Boolean);
      if (v.max_tokens) v.max_tokens = Number(v.max_tokens);
      try { await api.post('policies', v); form.reset(); showFormError(form, {}); view.reload(); }
      catch (error) { showFormError(form, error); }
    });
    main.append(form);
  }
  main.append(holder);
  view = listing(holder, 'policies', () => ({}), ['Name', 'Team', 'Models', 'Providers', 'Endpoints', 'Max tokens',
    'Shared stores', 'Updated'],
    p => [p.name, p.team_id || 'organisation', list(p.models), list(p.providers), list(p.endpoints),
      p.max_tokens == null ? '—' : String(p.max_tokens),
      // Unlike the lists above, empty shares nothing (sharing is denied by default).
      p.vector_stores && p.vector_stores.length ? p.vector_stores.join(', ') : '—', time(p.updated_at)],
    'No policies: keys may use every model. Attach a policy to a key when creating it.');
}
