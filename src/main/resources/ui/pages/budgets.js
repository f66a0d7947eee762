import {h, money, time} from '../lib/dom.js';
import {listing} from '../lib/listing.js';
import {progress} from './overview.js';

export default function budgets(main) {
  const list = h('div', {});
  main.append(list);
  listing(list, 'budgets', () => ({}), ['Name', 'Scope', 'Subject', 'Period', 'Limit', 'Spent', 'Resets'],
    b => [b.name || b.id, b.scope, b.subject || '', b.period, money(b.limit_micros),
      b.current ? progress(b.limit_micros ? b.current.spent_micros / b.limit_micros : 0, b.current.spent_micros, b.limit_micros) : '',
      b.current ? time(b.current.resets_at) : ''],
    'No budgets. Create them with the admin API or the CLI.');
}
