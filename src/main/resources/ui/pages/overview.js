import uPlot from '../vendor/uplot/uPlot.esm.js';
import {h, clear, money, number, table, loading, failure, panel, time} from '../lib/dom.js';
import * as api from '../lib/api.js';
import {can} from '../lib/roles.js';

const RANGES = [['24h', 'Last 24 hours', 24], ['7d', 'Last 7 days', 24 * 7], ['30d', 'Last 30 days', 24 * 30]];

// One API call per panel; nothing polls.
export default function overview(main, me) {
  const state = {range: '24h', bucket: 'hour'};
  const controls = h('form', {class: 'toolbar', 'aria-label': 'Range'},
    h('label', {}, 'Range ', h('select', {name: 'range'}, RANGES.map(r => h('option', {value: r[0]}, r[1])))),
    h('label', {}, 'Bucket ', h('select', {name: 'bucket'}, h('option', {value: 'hour'}, 'Hour'), h('option', {value: 'day'}, 'Day'))));
  controls.addEventListener('change', () => {
    state.range = controls.elements.range.value;
    state.bucket = controls.elements.bucket.value;
    draw();
  });
  const body = h('div', {class: 'grid'});
  main.append(controls, body);

  function draw() {
    clear(body);
    const hours = RANGES.find(r => r[0] === state.range)[2];
    const to = Date.now();
    const from = to - hours * 3600_000;
    const q = {from, to};
    const slot = (title, wide) => { const s = panel(title, loading()); if (wide) s.classList.add('wide'); body.append(s); return s; };
    const totals = slot('Requests, spend and errors', true);
    // Percentiles come from raw rows (exact), affordable for a day; longer ranges chart the
    // average from the rollups the totals panel already fetched (no further call).
    const exact = state.range === '24h';
    const latency = slot(exact ? 'Latency (p50 / p99)' : 'Average latency', true);
    const topModels = slot('Top models by spend');
    const topTeams = can(me, 'all.teams') ? slot('Top teams by spend') : null;
    const topKeys = slot('Top keys by spend');
    const topUsers = can(me, 'team.read') ? slot('Top users by spend') : null;
    const budgets = can(me, 'team.read') ? slot('Budgets closest to their limit') : null;
    const breakers = slot('Providers with an open circuit breaker');

    const summary = api.get('usage/summary', {...q, bucket: state.bucket});
    fill(totals, summary, r => summaryPanel(r.rows, from, to, state.bucket));
    if (exact) fill(latency, api.get('usage/latency', {...q, bucket: state.bucket}), r => latencyPanel(r.rows, from, to, state.bucket));
    else fill(latency, summary, r => averageLatencyPanel(r.rows, from, to, state.bucket));
    const top = (group, label) => api.get('usage/summary', {...q, group_by: group, top: 5, order_by: 'cost'})
      .then(r => table([label, 'Requests', 'Tokens', 'Errors', 'Spend'], r.rows.map(x =>
        [x.group || '(none)', number(x.requests), number(x.total_tokens), number(x.errors), money(x.cost_micros)]), 'No traffic in this range.'));
    fill(topModels, top('model', 'Model'), x => x);
    if (topTeams) fill(topTeams, top('team', 'Team'), x => x);
    fill(topKeys, top('key', 'Key'), x => x);
    if (topUsers) fill(topUsers, top('user', 'User'), x => x);
    if (budgets) fill(budgets, api.get('budgets', {limit: 500}), r => closestBudgets(r.data));
    fill(breakers, api.get('models'), r => openBreakers(r.data));
  }
  draw();
}

function fill(section, promise, render) {
  promise.then(r => { section.replaceChildren(section.firstChild, render(r)); },
    e => { section.replaceChildren(section.firstChild, failure(e)); });
}

function buckets(rows, from, to, bucket) {
  const step = bucket === 'day' ? 86400_000 : 3600_000;
  const start = Math.floor(from / step) * step;
  const xs = [];
  for (let t = start; t < to; t += step) xs.push(t);
  const byTime = new Map(rows.map(r => [Date.parse(r.bucket), r]));
  return {xs, get: (t, f) => (byTime.get(t) || {})[f] ?? 0};
}

function summaryPanel(rows, from, to, bucket) {
  const b = buckets(rows, from, to, bucket);
  const sum = f => rows.reduce((a, r) => a + (r[f] || 0), 0);
  const requests = sum('requests');
  const errors = sum('errors');
  const stats = h('dl', {class: 'stats'},
    h('div', {}, h('dt', {}, 'Requests'), h('dd', {id: 'stat-requests'}, number(requests))),
    h('div', {}, h('dt', {}, 'Spend'), h('dd', {id: 'stat-spend'}, money(sum('cost_micros')))),
    h('div', {}, h('dt', {}, 'Tokens'), h('dd', {}, number(sum('total_tokens')))),
    h('div', {}, h('dt', {}, 'Error rate'), h('dd', {}, requests ? (100 * errors / requests).toFixed(1) + '%' : '—')));
  if (!requests) return h('div', {}, stats, h('p', {class: 'empty'}, 'No requests in this range yet. Try the playground.'));
  const data = [b.xs.map(t => t / 1000), b.xs.map(t => b.get(t, 'requests')), b.xs.map(t => b.get(t, 'errors')),
    b.xs.map(t => b.get(t, 'cost_micros') / 1e6)];
  return h('div', {}, stats, chart(data, [
    {label: 'Requests', stroke: '#2563eb', scale: 'n'},
    {label: 'Errors', stroke: '#dc2626', scale: 'n'},
    {label: 'Spend ($)', stroke: '#16a34a', scale: '$', value: (u, v) => v == null ? '' : '$' + v.toFixed(4)}],
  [{scale: 'n'}, {scale: '$', side: 1, grid: {show: false}}]));
}

function latencyPanel(rows, from, to, bucket) {
  if (!rows.some(r => r.requests)) return h('p', {class: 'empty'}, 'No requests in this range.');
  const b = buckets(rows, from, to, bucket);
  const val = f => b.xs.map(t => b.get(t, 'requests') ? b.get(t, f) : null);
  return chart([b.xs.map(t => t / 1000), val('p50_ms'), val('p99_ms')],
    [{label: 'p50 (ms)', stroke: '#2563eb', scale: 'ms'}, {label: 'p99 (ms)', stroke: '#9333ea', scale: 'ms'}],
    [{scale: 'ms'}]);
}

function averageLatencyPanel(rows, from, to, bucket) {
  if (!rows.some(r => r.requests)) return h('p', {class: 'empty'}, 'No requests in this range.');
  const b = buckets(rows, from, to, bucket);
  return h('div', {}, chart([b.xs.map(t => t / 1000), b.xs.map(t => b.get(t, 'requests') ? b.get(t, 'avg_latency_ms') : null)],
    [{label: 'average (ms)', stroke: '#2563eb', scale: 'ms'}], [{scale: 'ms'}]),
  h('p', {class: 'muted'}, 'Percentiles are shown for the last 24 hours.'));
}

/** A uPlot line chart sized to its panel (times shown in the browser's time zone). */
function chart(data, series, axes) {
  const holder = h('div', {class: 'chart'});
  requestAnimationFrame(() => {
    const width = Math.max(280, holder.clientWidth || 600);
    new uPlot({width, height: 220, series: [{}, ...series.map(s => ({...s, width: 2, spanGaps: false}))],
      axes: [{}, ...axes], scales: {x: {time: true}}}, data, holder);
  });
  return holder;
}

function closestBudgets(list) {
  const rows = list.filter(b => b.current && b.limit_micros > 0)
    .map(b => ({b, share: b.current.spent_micros / b.limit_micros}))
    .sort((x, y) => y.share - x.share).slice(0, 5);
  return table(['Budget', 'Used', 'Resets'], rows.map(({b, share}) =>
    [b.name || b.id, progress(share, b.current.spent_micros, b.limit_micros), time(b.current.resets_at)]), 'No budgets.');
}

export function progress(share, spent, limit) {
  const pct = Math.min(100, Math.round(share * 100));
  return h('div', {class: 'progress-cell'},
    h('progress', {class: share >= 1 ? 'over' : share >= 0.8 ? 'near' : null, max: 100, value: pct}, pct + '%'),
    h('span', {}, money(spent), ' of ', money(limit), ` (${Math.round(share * 100)}%)`));
}

function openBreakers(models) {
  const open = [];
  for (const m of models) for (const t of m.targets) if (t.circuit !== 'closed') open.push([t.provider, t.model, m.name, t.circuit, time(t.opened_at)]);
  return table(['Provider', 'Upstream model', 'Public model', 'Breaker', 'Opened'], open, 'Every breaker is closed.');
}
