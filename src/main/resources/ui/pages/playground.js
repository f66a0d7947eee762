import {h, clear, money, field, showFormError, formValues} from '../lib/dom.js';
import * as api from '../lib/api.js';

// Sends one prompt to up to three models at once with the key entered here (used for these calls
// only, never stored), streaming each answer token by token.
export default function playground(main) {
  const form = h('form', {class: 'inline-form wide', 'aria-label': 'Playground'},
    field('Virtual key to call with', 'key', {type: 'password', required: true, placeholder: 'sk-…'}),
    h('div', {class: 'model-pickers'}, field('Model', 'model1'), field('Compare with', 'model2'), field('And', 'model3')),
    h('div', {class: 'field'}, h('label', {for: 'prompt'}, 'Prompt'),
      h('textarea', {id: 'prompt', name: 'prompt', rows: 4, required: true}, 'Say hello in five words.'),
      h('div', {class: 'field-error', 'data-error-for': 'prompt', role: 'alert'})),
    h('div', {class: 'field-error', 'data-error-for': '_form', role: 'alert'}),
    h('button', {type: 'submit', class: 'primary'}, 'Send'));
  const answers = h('div', {class: 'answers'});
  main.append(form, answers);

  let prices = new Map();
  api.get('models').then(r => {
    for (const m of r.data) prices.set(m.name, m.targets[0]);
    const names = r.data.filter(m => m.type !== 'embedding').map(m => m.name);
    for (const [i, name] of ['model1', 'model2', 'model3'].entries()) {
      const input = form.elements[name];
      const select = h('select', {id: input.id, name}, i ? h('option', {value: ''}, '—') : null,
        names.map(n => h('option', {value: n}, n)));
      input.replaceWith(select);
    }
  }, () => {});

  form.addEventListener('submit', async e => {
    e.preventDefault();
    const v = formValues(form);
    showFormError(form, {});
    if (!v.key) return showFormError(form, {param: 'key', message: 'Enter a virtual key: the calls are made with it.'});
    if (!v.prompt) return showFormError(form, {param: 'prompt', message: 'Write a prompt.'});
    const chosen = [v.model1, v.model2, v.model3].filter(Boolean);
    clear(answers);
    await Promise.all(chosen.map(model => run(model, v.key, v.prompt)));
  });

  async function run(model, key, prompt) {
    const text = h('div', {class: 'answer-text'});
    const stats = h('p', {class: 'muted answer-stats'}, 'Waiting…');
    answers.append(h('section', {class: 'panel answer', dataset: {model}}, h('h2', {}, model), text, stats));
    const started = performance.now();
    let first = null;
    let usage = null;
    try {
      const response = await fetch(api.url('../v1/chat/completions'), {method: 'POST',
        headers: {'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json'},
        body: JSON.stringify({model, stream: true, stream_options: {include_usage: true},
          messages: [{role: 'user', content: prompt}]}), signal: AbortSignal.timeout(120000)});
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        throw new Error((body && body.error && body.error.message) || `The gateway answered ${response.status}.`);
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          for (const line of event.split('\n')) {
            if (!line.startsWith('data:')) continue;
            const data = line.slice(5).trim();
            if (data === '[DONE]') continue;
            const chunk = JSON.parse(data);
            const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta && chunk.choices[0].delta.content;
            if (delta) {
              if (first === null) first = performance.now() - started;
              text.append(document.createTextNode(delta));
            }
            if (chunk.usage) usage = chunk.usage;
          }
        }
      }
      const total = performance.now() - started;
      const price = prices.get(model);
      const cost = usage && price ? (usage.prompt_tokens * price.input_micros_per_million
        + usage.completion_tokens * price.output_micros_per_million) / 1e6 : null;
      stats.replaceChildren(`First token ${first === null ? '—' : Math.round(first) + ' ms'} · total ${Math.round(total)} ms · `,
        usage ? `${usage.prompt_tokens} in / ${usage.completion_tokens} out tokens · ` : '',
        cost === null ? '' : h('span', {}, 'about ', money(cost)));
    } catch (error) {
      stats.replaceChildren(h('span', {class: 'error'}, error.message));
    }
  }
}
