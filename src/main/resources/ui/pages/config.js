import {h, clear, loading, failure, time} from '../lib/dom.js';
import * as api from '../lib/api.js';

// The running configuration, read-only, as the gateway shows it (secrets already masked there).
export default async function config(main) {
  const holder = h('div', {}, loading());
  main.append(holder);
  try {
    const r = await api.get('config');
    clear(holder).append(
      h('dl', {class: 'kv panel'},
        h('dt', {}, 'Source'), h('dd', {}, r.source),
        h('dt', {}, 'Loaded'), h('dd', {}, time(r.loaded_at)),
        h('dt', {}, 'Last reload error'), h('dd', {id: 'reload-error', class: r.last_reload_error ? 'bad' : 'good'},
          r.last_reload_error ? [time(r.last_reload_error.at), ' ', r.last_reload_error.message] : 'none')),
      h('pre', {id: 'config-json', class: 'panel'}, JSON.stringify(r.config, null, 2)));
  } catch (error) {
    clear(holder).append(failure(error));
  }
}
