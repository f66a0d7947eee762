import {h, clear, money, number, table, loading, failure, time, field, showFormError, formValues} from '../lib/dom.js';
import * as api from '../lib/api.js';

const PAGE = 50;

// One paged call per view: newest first, keyset paging with the API's next_cursor.
export default function requests(main) {
  const form = h('form', {class: 'filters', 'aria-label': 'Filters'},
    field('From', 'from', {type: 'datetime-local'}), field('To', 'to', {type: 'datetime-local'}),
    field('Key', 'key', {placeholder: 'key id'}), field('Team', 'team', {placeholder: 'team id'}),
    field('User', 'user', {placeholder: 'user id'}), field('Model', 'model'), field('Provider', 'provider'),
    field('Status', 'status', {options: [['', 'Any'], ['ok', 'Succeeded'], ['error', 'Failed'], ['429', '429'], ['502', '502']]}),
    field('Tag', 'tag', {placeholder: 'name=value'}),
    h('div', {class: 'field-error', 'data-error-for': '_form', role: 'alert'}),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Apply'),
      h('button', {type: 'reset'}, 'Clear')));
  const results = h('div', {id: 'request-results'});
  const detail = h('div', {class: 'detail'});
  main.append(form, results, detail);
  let cursors = [null];

  const params = () => {
    const v = formValues(form);
    // datetime-local is the user's local time; the API takes instants.
    for (const k of ['from', 'to']) if (v[k]) v[k] = new Date(v[k]).toISOString();
    if (!v.from) v.from = new Date(Date.now() - 30 * 86400_000).toISOString();
    return v;
  };

  async function load(page) {
    clear(results).append(loading());
    try {
      const r = await api.get('usage/requests', {...params(), limit: PAGE, cursor: cursors[page]});
      cursors[page + 1] = r.next_cursor;
      const rows = r.data.map(x => {
        const tr = h('tr', {class: 'clickable', tabindex: 0, dataset: {requestId: x.requestId}},
          [time(x.ts), x.requestedModel || x.model, x.provider, x.keyId, x.teamId,
            h('span', {class: x.status >= 400 ? 'bad' : 'good'}, String(x.status)),
            number(x.inputTokens + x.outputTokens), money(x.costMicros), x.latencyMs + ' ms'].map(c => h('td', {}, c)));
        const open = () => showDetail(detail, x.requestId);
        tr.addEventListener('click', open);
        tr.addEventListener('keydown', e => { if (e.key === 'Enter') open(); });
        return tr;
      });
      clear(results).append(
        table(['Time', 'Model', 'Provider', 'Key', 'Team', 'Status', 'Tokens', 'Cost', 'Latency'], rows, 'No requests match.'),
        h('div', {class: 'pager'},
          h('button', {type: 'button', disabled: page === 0, onclick: () => load(page - 1)}, '← Newer'),
          h('span', {}, `Page ${page + 1}`),
          h('button', {type: 'button', id: 'older', disabled: !r.next_cursor, onclick: () => load(page + 1)}, 'Older →')));
    } catch (error) {
      clear(results);
      showFormError(form, error);
      if (!error.param) results.append(failure(error));
    }
  }

  form.addEventListener('submit', e => { e.preventDefault(); showFormError(form, {}); cursors = [null]; load(0); });
  form.addEventListener('reset', () => setTimeout(() => { cursors = [null]; load(0); }));
  load(0);
}

async function showDetail(el, id) {
  clear(el).append(loading());
  try {
    const r = await api.get('usage/requests/' + encodeURIComponent(id));
    const dl = (pairs) => h('dl', {class: 'kv'}, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
    el.replaceChildren(h('h2', {}, 'Request ', h('code', {}, r.requestId)),
      dl([['Time', time(r.ts)], ['Endpoint', r.endpoint], ['Requested model', r.requestedModel], ['Model', r.model],
        ['Provider', r.provider], ['Status', String(r.status)], ['Error', r.errorClass], ['Route', r.route],
        ['Fallback path', r.fallbackPath], ['Input tokens', number(r.inputTokens)], ['Output tokens', number(r.outputTokens)],
        ['Cached tokens', number(r.cachedTokens)], ['Cost', money(r.costMicros)], ['Latency', r.latencyMs + ' ms'],
        ['Time to first token', r.ttftMs == null ? null : r.ttftMs + ' ms'], ['Stream', String(!!r.stream)]]),
      h('h3', {}, 'Attempts'),
      table(['Provider', 'Model', 'Status', 'Error', 'Duration'], (r.attempts || []).map(a =>
        [a.provider, a.model, String(a.status), a.errorClass || '', (a.durationMs ?? '') + ' ms'])));
    try {
      const b = await api.get('usage/requests/' + encodeURIComponent(id) + '/body');
      el.append(h('h3', {}, 'Stored bodies'), h('pre', {}, b.request_body || ''), h('pre', {}, b.response_body || ''));
    } catch { el.append(h('p', {class: 'muted'}, 'No stored bodies (the team did not opt in, or the call was zero data retention).')); }
  } catch (error) {
    clear(el).append(failure(error));
  }
}
