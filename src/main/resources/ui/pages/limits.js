import {h, time} from '../lib/dom.js';
import {listing} from '../lib/listing.js';

const n = v => (v == null ? '—' : Number(v).toLocaleString());

export default function limits(main) {
  const holder = h('div', {});
  main.append(holder);
  listing(holder, 'rate-limits', () => ({}), ['Name', 'Scope', 'Subject', 'Model', 'Requests / min', 'Tokens / min', 'Concurrent',
    'In flight', 'Updated'],
  l => [l.name || l.id, l.scope, l.subject || '', l.model || 'any', n(l.rpm), n(l.tpm), n(l.concurrent), n(l.in_flight),
    time(l.updated_at)],
  'No rate limits. Create them with the admin API (POST /admin/v1/rate-limits) or the CLI.');
}
