import {h, clear, money, table, loading, failure, time} from '../lib/dom.js';
import * as api from '../lib/api.js';

const REFRESH_MS = 5000;

// Live health: one call every few seconds while the page is open (stopped when leaving it).
export default function models(main, me, ctx) {
  const holder = h('div', {}, loading());
  const stamp = h('p', {class: 'muted', 'aria-live': 'off'});
  main.append(stamp, holder);
  let timer = null;
  let stopped = false;
  async function refresh() {
    try {
      const r = await api.get('models');
      draw(r.data);
      stamp.textContent = 'Updated ' + new Date().toLocaleTimeString() + ' · refreshes every ' + REFRESH_MS / 1000 + ' s';
    } catch (error) {
      clear(holder).append(failure(error));
    }
    if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
  }
  ctx.onLeave(() => { stopped = true; clearTimeout(timer); });
  refresh();

  function draw(list) {
    if (!list.length) return clear(holder).append(h('p', {class: 'empty'}, 'No models you may use.'));
    clear(holder).append(...list.map(m => h('section', {class: 'panel model', dataset: {model: m.name}},
      h('h2', {}, m.name, ' ', h('span', {class: 'badge'}, m.type)),
      h('p', {class: 'muted'}, 'Strategy: ', m.strategy, m.fallbacks.length ? ' · fallbacks: ' + m.fallbacks.join(', ') : ''),
      table(['Provider', 'Upstream model', 'Weight', 'Price in / out (per 1M tokens)', 'Breaker', 'Failure rate', 'Latency',
        'TTFT', 'In flight', 'Requests (1 min)'],
      m.targets.map(t => [t.provider, t.model, String(t.weight),
        h('span', {}, money(t.input_micros_per_million), ' / ', money(t.output_micros_per_million)),
        h('span', {class: 'breaker-' + t.circuit, title: t.opened_at ? 'opened ' + new Date(t.opened_at).toISOString() : null}, t.circuit),
        t.failure_rate_percent == null ? '—' : t.failure_rate_percent.toFixed(1) + '%',
        t.avg_duration_ms ? t.avg_duration_ms + ' ms' : '—', t.avg_ttft_ms ? t.avg_ttft_ms + ' ms' : '—',
        String(t.in_flight), String(t.requests_last_minute)]), 'A router model: it picks another model per request.'))));
  }
}
