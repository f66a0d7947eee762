// The admin API, called relative to the console's own URL so any base path works
// (/ui/ -> ../admin/v1/...). The session cookie authenticates; changes carry the CSRF token.

let csrf = null;
let onSignedOut = () => {};

export function setCsrf(token) { csrf = token; }
export function whenSignedOut(callback) { onSignedOut = callback; }

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `The gateway answered ${status}.`);
    this.status = status;
    this.param = e.param || null;
    this.code = e.code || null;
  }
}

export function url(path) {
  return new URL(path, document.baseURI).toString();
}

async function send(method, path, body) {
  const headers = {'Accept': 'application/json'};
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf || '';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url(path), {method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30000)});
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    const error = new ApiError(response.status, json);
    if (response.status === 401 && path.startsWith('../admin')) onSignedOut(error);
    throw error;
  }
  return json;
}

/** GET /admin/v1/<path> with query parameters (empty ones left out). */
export function get(path, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') query.set(k, v);
  const qs = query.toString();
  return send('GET', '../admin/v1/' + path + (qs ? '?' + qs : ''));
}
export const post = (path, body) => send('POST', '../admin/v1/' + path, body || {});
export const patch = (path, body) => send('PATCH', '../admin/v1/' + path, body || {});
export const del = (path) => send('DELETE', '../admin/v1/' + path);

export const session = {
  current: () => send('GET', 'session'),
  signIn: (key) => send('POST', 'session', {key}),
  signOut: () => send('DELETE', 'session'),
};
