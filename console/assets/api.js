// The management API, called with the signed-in person's access token; the
// console has no other way in (no privilege a script with the same token
// would not have).

import {accessToken, renew} from './auth.js';

/** An error answer of the API: status, code, title and detail of its first error. */
export class ApiError extends Error {
  constructor(status, body) {
    const first = (body && Array.isArray(body.errors) && body.errors[0]) || {};
    super(first.detail || first.title || `The server answered ${status}.`);
    this.status = status;
    this.code = first.code || `HTTP-${status}`;
    this.title = first.title || `The server answered ${status}.`;
    this.detail = first.detail || '';
    this.traceId = body && body.traceId;
  }
}

/** The request failed before an answer (network down, server stopped). */
export class NetworkError extends Error {}

async function send(method, path, {body, headers = {}} = {}, retried = false) {
  const token = await accessToken();
  const init = {method, headers: {Accept: 'application/json', Authorization: `Bearer ${token}`, ...headers}};
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new NetworkError(`The server could not be reached (${e.message}). Check that it is running, then try again.`);
  }
  if (res.status === 401 && !retried) {
    // The token was refused (expired, revoked): renew it once and retry.
    await renew();
    return send(method, path, {body, headers}, true);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return {status: res.status, data, headers: res.headers};
}

export const api = {
  get: (path) => send('GET', path),
  post: (path, body) => send('POST', path, {body}),
  patch: (path, ops) => send('PATCH', path, {body: ops}),
  del: (path, headers) => send('DELETE', path, {headers}),
};

/** The query of an API link (`links.next.href`), for the console's own address. */
export function cursorOf(link, name) {
  if (!link || !link.href) return '';
  return new URL(link.href).searchParams.get(name) || '';
}
