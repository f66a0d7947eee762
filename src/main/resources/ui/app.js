import {h, clear, field, showFormError} from './lib/dom.js';
import * as api from './lib/api.js';
import {can, roleName} from './lib/roles.js';
import overview from './pages/overview.js';
import requests from './pages/requests.js';
import keys from './pages/keys.js';
import teams from './pages/teams.js';
import users from './pages/users.js';
import budgets from './pages/budgets.js';
import policies from './pages/policies.js';
import limits from './pages/limits.js';
import models from './pages/models.js';
import audit from './pages/audit.js';
import playground from './pages/playground.js';
import config from './pages/config.js';

// Each page: {path, title, show(me) -> bool, render(main, me, ctx)}; ctx.onLeave(fn) stops timers.
const PAGES = [
  {path: 'overview', title: 'Overview', show: () => true, render: overview},
  {path: 'requests', title: 'Request log', show: () => true, render: requests},
  {path: 'keys', title: 'Keys', show: () => true, render: keys},
  {path: 'teams', title: 'Teams', show: () => true, render: teams},
  {path: 'users', title: 'Users', show: me => can(me, 'team.read'), render: users},
  {path: 'policies', title: 'Policies', show: me => can(me, 'team.read'), render: policies},
  {path: 'budgets', title: 'Budgets', show: me => can(me, 'team.read'), render: budgets},
  {path: 'limits', title: 'Rate limits', show: me => can(me, 'team.read'), render: limits},
  {path: 'models', title: 'Models and providers', show: () => true, render: models},
  {path: 'audit', title: 'Audit trail', show: me => can(me, 'audit'), render: audit},
  {path: 'playground', title: 'Playground', show: () => true, render: playground},
  {path: 'config', title: 'Configuration', show: me => can(me, 'audit'), render: config},
];

const root = document.getElementById('app');
let me = null;
let leaving = [];

api.whenSignedOut(() => {
  me = null;
  window.removeEventListener('hashchange', route);
  signIn('Your session has ended. Sign in again.');
});

async function start() {
  try {
    const s = await api.session.current();
    api.setCsrf(s.csrf_token);
    me = s.me;
    window.addEventListener('hashchange', route);
    route();
  } catch {
    signIn();
  }
}

function signIn(message) {
  leave();
  const form = h('form', {class: 'signin', novalidate: true},
    h('h1', {}, 'Gatehouse'),
    h('p', {class: 'muted'}, 'Sign in with the master key printed when the gateway started, or with a virtual key.'),
    message ? h('p', {class: 'error', role: 'alert'}, message) : null,
    field('Key', 'key', {type: 'password', placeholder: 'gh-… or sk-…', required: true}),
    h('div', {class: 'field-error', 'data-error-for': '_form', role: 'alert'}),
    h('button', {type: 'submit', class: 'primary'}, 'Sign in'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const key = form.elements.key.value.trim();
    if (!key) return showFormError(form, {param: 'key', message: 'Enter the master key or a virtual key.'});
    try {
      const s = await api.session.signIn(key);
      api.setCsrf(s.csrf_token);
      me = s.me;
      form.reset();
      window.removeEventListener('hashchange', route);
      window.addEventListener('hashchange', route);
      if (!location.hash || location.hash === '#') location.hash = '#/overview'; // draws the page through hashchange
      else route();
    } catch (error) {
      showFormError(form, error.param ? error : {param: 'key', message: error.message});
    }
  });
  clear(root).appendChild(h('main', {class: 'signin-page'}, form));
  form.elements.key.focus();
}

function leave() {
  leaving.forEach(fn => { try { fn(); } catch { /* a page's cleanup must not stop navigation */ } });
  leaving = [];
}

function route() {
  if (!me) return signIn();
  leave();
  const visible = PAGES.filter(p => p.show(me));
  const path = (location.hash.replace(/^#\/?/, '').split('?')[0]) || 'overview';
  const page = visible.find(p => p.path === path) || visible[0];
  const main = h('main', {id: 'main', tabindex: '-1'});
  const nav = h('nav', {'aria-label': 'Console'},
    h('div', {class: 'brand'}, 'Gatehouse'),
    h('ul', {}, visible.map(p => h('li', {}, h('a', {href: '#/' + p.path, 'aria-current': p === page ? 'page' : null,
      dataset: {page: p.path}}, p.title)))),
    h('div', {class: 'whoami'},
      h('span', {class: 'role', title: JSON.stringify(me)}, roleName(me) + (me.team_id ? ' · ' + me.team_id : '')),
      h('button', {type: 'button', id: 'sign-out', onclick: signOut}, 'Sign out')));
  clear(root).append(h('div', {class: 'layout'}, nav, h('div', {class: 'content'}, h('h1', {}, page.title), main)));
  document.title = page.title + ' · Gatehouse';
  page.render(main, me, {onLeave: fn => leaving.push(fn)});
}

async function signOut() {
  try { await api.session.signOut(); } catch { /* signed out either way */ }
  me = null;
  window.removeEventListener('hashchange', route); // the next sign-in adds it again
  history.replaceState(null, '', location.pathname + location.search);
  signIn('Signed out.');
}

start();
