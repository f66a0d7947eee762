import {h, clear, time, failure} from '../lib/dom.js';
import * as api from '../lib/api.js';
import {listing} from '../lib/listing.js';

export default function audit(main) {
  const result = h('div', {id: 'verify-result', 'aria-live': 'polite'});
  const verify = h('button', {type: 'button', class: 'primary', id: 'verify-chain', onclick: async () => {
    clear(result).append(h('p', {class: 'loading'}, 'Verifying…'));
    try {
      const r = await api.get('audit/verify');
      clear(result).append(h('p', {class: r.intact ? 'callout good' : 'callout bad'},
        r.intact ? `Chain intact: ${r.entries} entries verified.` : `Chain BROKEN at entry ${r.brokenSeq}: ${r.reason}`));
    } catch (error) { clear(result).append(failure(error)); }
  }}, 'Verify chain');
  const list = h('div', {});
  main.append(h('div', {class: 'toolbar'}, verify), result, list);
  listing(list, 'audit', () => ({}), ['#', 'Time', 'Actor', 'Action', 'Target'],
    e => [String(e.seq), time(e.time), `${e.actor.kind}:${e.actor.id}`, e.action, `${e.target.type} ${e.target.id || ''}`],
    'No admin changes yet.');
}
