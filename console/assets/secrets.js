// Client secrets: listed by hint and date, added (the API refuses a sixth
// with its message) and deleted. A new secret is shown once, held only in
// this page's memory until the person dismisses it or leaves: after a reload
// it is gone for good, as on the server.

import {h, when, copyButton} from './dom.js';
import {api, ApiError} from './api.js';

let fresh = null;

/** Keeps a just-issued secret for the next render of its client's page. */
export function keepSecret(clientId, secret) {
  fresh = {clientId, secret};
}

/** The one-time panel for a just-issued secret of `clientId`, if any. */
export function secretOnce(clientId) {
  if (!fresh || fresh.clientId !== clientId) return null;
  const {secret} = fresh;
  fresh = null;
  const panel = h('section', {class: 'panel secret', id: 'new-secret', 'aria-labelledby': 'new-secret-title', tabindex: '-1'},
    h('h2', {id: 'new-secret-title'}, 'New client secret'),
    h('p', {}, h('strong', {}, 'Copy it now: you will not see it again.'), ' The server keeps only a hash of it; if it is lost, add a new secret and delete this one.'),
    h('p', {class: 'secret-value'}, h('code', {id: 'secret-value'}, secret), ' ', copyButton(secret, 'Copy secret')),
    h('button', {type: 'button', class: 'btn', onclick: () => panel.remove()}, 'I have stored it'));
  return panel;
}

/** The secrets section of a client that can have secrets. */
export function secretsSection(client, rerender) {
  const path = `/api/core/oauth-clients/${encodeURIComponent(client.clientId)}/client-secrets`;
  const secrets = client.clientSecrets || [];
  const status = h('div', {class: 'panel error', role: 'alert', id: 'secret-error', hidden: true});
  const fail = (e) => {
    status.textContent = e instanceof ApiError ? `${e.title}${e.detail ? `: ${e.detail}` : ''}` : e.message;
    status.hidden = false;
  };
  const add = async () => {
    try {
      const {data} = await api.post(path, undefined);
      keepSecret(client.clientId, data.clientSecret);
      rerender();
    } catch (e) {
      fail(e);
    }
  };
  const remove = (hint) => async (event) => {
    const button = event.currentTarget;
    if (button.dataset.armed !== 'yes') {
      button.dataset.armed = 'yes';
      button.textContent = `Confirm: delete …${hint}`;
      return;
    }
    try {
      await api.del(`${path}/${encodeURIComponent(hint)}`);
      rerender(`Secret …${hint} deleted: it no longer works at the token endpoint.`);
    } catch (e) {
      fail(e);
    }
  };
  const rows = secrets.map((s) => h('tr', {},
    h('td', {}, h('code', {}, `…${s.hint}`)),
    h('td', {}, when(s.createdAt)),
    h('td', {class: 'wide-only'}, s.createdBy || ''),
    h('td', {}, h('button', {type: 'button', class: 'btn small danger', 'data-hint': s.hint, onclick: remove(s.hint)}, `Delete …${s.hint}`))));
  return h('section', {'aria-labelledby': 'secrets-title'},
    h('h2', {id: 'secrets-title'}, 'Client secrets'),
    h('p', {}, 'Up to 5 at a time. Rotate without downtime: add a secret, move the application to it, then delete the old one.'),
    status,
    secrets.length
      ? h('div', {class: 'table-wrap'}, h('table', {id: 'secrets'},
        h('caption', {class: 'sr-only'}, 'Client secrets'),
        h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Hint'), h('th', {scope: 'col'}, 'Created'),
          h('th', {scope: 'col', class: 'wide-only'}, 'Created by'), h('th', {scope: 'col'}, h('span', {class: 'sr-only'}, 'Actions')))),
        h('tbody', {}, rows)))
      : h('p', {class: 'empty'}, 'No secret: this client cannot authenticate with a secret until you add one.'),
    h('p', {}, h('button', {type: 'button', class: 'btn', id: 'add-secret', onclick: add}, 'Add a secret')));
}

