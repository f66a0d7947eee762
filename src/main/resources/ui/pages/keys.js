import {h, clear, money, time, field, showFormError, formValues, failure} from '../lib/dom.js';
import * as api from '../lib/api.js';
import {can} from '../lib/roles.js';
import {listing} from '../lib/listing.js';

export default function keys(main, me) {
  const spend = new Map();
  const filters = h('form', {class: 'toolbar', 'aria-label': 'Filter keys'},
    can(me, 'all.teams') ? field('Team', 'team_id', {placeholder: 'team id'}) : null,
    can(me, 'team.read') ? field('Owner user', 'user_id', {placeholder: 'user id'}) : null,
    h('button', {type: 'submit'}, 'Filter'));
  const secret = h('div', {id: 'new-key', 'aria-live': 'polite'});
  const list = h('div', {});
  const writable = can(me, 'write');
  const create = writable ? createForm() : null;
  main.append(...[create, secret, filters, list].filter(Boolean));

  let view;
  // Spend per key over the last 30 days: one summary call for the whole page.
  api.get('usage/summary', {from: Date.now() - 30 * 86400_000, group_by: 'key', top: 1000})
    .then(r => { r.rows.forEach(x => spend.set(x.group, x.cost_micros)); view.reload(); }, () => {});
  view = listing(list, 'keys', () => formValues(filters),
    ['Name', 'Id', 'Prefix', 'Owner', 'Team', 'Status', 'Last used', 'Spend (30 d)', ''],
    k => [k.name || '', h('code', {}, k.id), h('code', {}, k.display_prefix), k.owner_id, k.team_id || '',
      h('span', {class: 'status-' + k.status}, k.status), time(k.last_used_at), money(spend.get(k.id) || 0),
      writable && k.status === 'active' ? actions(k) : ''],
    'No keys yet. Create one above.');
  filters.addEventListener('submit', e => { e.preventDefault(); view.reload(); });

  function actions(k) {
    return h('div', {class: 'row-actions'},
      h('button', {type: 'button', class: 'danger', dataset: {revoke: k.id}, onclick: async () => {
        if (!confirm(`Revoke key ${k.name || k.id}? Calls with it fail at once.`)) return;
        try { await api.post(`keys/${encodeURIComponent(k.id)}/revoke`); view.reload(); }
        catch (e) { secret.replaceChildren(failure(e)); }
      }}, 'Revoke'),
      h('button', {type: 'button', dataset: {rotate: k.id}, onclick: async () => {
        const grace = prompt('Grace period for the old key (e.g. 24h, 0s for none):', '24h');
        if (grace === null) return;
        try { showOnce(await api.post(`keys/${encodeURIComponent(k.id)}/rotate`, {grace})); view.reload(); }
        catch (e) { secret.replaceChildren(failure(e)); }
      }}, 'Rotate'),
      can(me, 'team.write') ? h('button', {type: 'button', dataset: {attach: k.id}, onclick: async () => {
        const name = prompt('Attach which access policy (its name)?');
        if (!name) return;
        try {
          const policies = await api.get('policies', {limit: 500});
          const policy = policies.data.find(p => p.name === name.trim());
          if (!policy) throw new Error(`No policy named "${name.trim()}" that you may attach.`);
          await api.post(`policies/${encodeURIComponent(policy.id)}/attachments`, {subject_type: 'key', subject_id: k.id});
          secret.replaceChildren(h('p', {class: 'callout good'}, `Policy ${policy.name} attached to key ${k.name || k.id}.`));
        } catch (e) { secret.replaceChildren(failure(e)); }
      }}, 'Attach policy') : null);
  }

  function createForm() {
    const form = h('form', {class: 'inline-form', 'aria-label': 'Create a key'}, h('h2', {}, 'Create a key'),
      field('Name', 'name', {placeholder: 'e.g. billing-service'}),
      field('Owner (user, service account or team id)', 'owner_id', {placeholder: me.user_id || 'usr_… / svc_… / team_…'}),
      field('Policies (names, comma separated)', 'policies', {placeholder: 'optional'}),
      field('Expires at', 'expires_at', {type: 'datetime-local'}),
      h('div', {class: 'field-error', 'data-error-for': '_form', role: 'alert'}),
      h('button', {type: 'submit', class: 'primary'}, 'Create key'));
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const v = formValues(form);
      if (v.policies) v.policies = v.policies.split(',').map(s => s.trim()).filter(Boolean);
      if (v.expires_at) v.expires_at = new Date(v.expires_at).toISOString();
      try {
        showOnce(await api.post('keys', v));
        showFormError(form, {});
        form.reset();
        view.reload();
      } catch (error) { showFormError(form, error); }
    });
    return form;
  }

  /** The secret is shown here once, never again: the API keeps only its hash. */
  function showOnce(created) {
    const value = h('code', {id: 'new-key-value'}, created.key);
    const copy = h('button', {type: 'button', onclick: async () => {
      try { await navigator.clipboard.writeText(created.key); copy.textContent = 'Copied'; }
      catch { copy.textContent = 'Select and copy by hand'; }
    }}, 'Copy');
    clear(secret).append(h('div', {class: 'callout'},
      h('p', {}, 'The new key ', h('strong', {}, created.name || created.id),
        ' is shown only this once. Copy it now; the gateway keeps only its hash.'),
      h('div', {class: 'secret'}, value, copy),
      h('button', {type: 'button', onclick: () => clear(secret)}, 'Done')));
  }
}
