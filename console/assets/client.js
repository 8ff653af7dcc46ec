// One client: its settings, its secrets, the consent switch, and deletion
// after typing its name.

import {h, when, copyButton} from './dom.js';
import {api, ApiError} from './api.js';
import {page, failed, flash} from './layout.js';
import {navigate} from './router.js';
import {secretOnce, secretsSection} from './secrets.js';

function listOrNone(items) {
  if (!items || items.length === 0) return h('span', {class: 'muted'}, 'none');
  return h('ul', {class: 'plain'}, items.map((i) => h('li', {}, h('code', {}, i))));
}

function details(c) {
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
  return h('dl', {class: 'details'},
    row('Client ID', [h('code', {id: 'client-id'}, c.clientId), ' ', copyButton(c.clientId, 'Copy ID')]),
    row('App type', c.appType),
    c.description ? row('Description', c.description) : null,
    c.clientUri ? row('Home page', h('a', {href: c.clientUri, rel: 'noopener noreferrer', target: '_blank'}, c.clientUri)) : null,
    c.logoUri ? row('Logo', h('img', {src: c.logoUri, alt: `Logo of ${c.clientName}`, class: 'logo', referrerpolicy: 'no-referrer'})) : null,
    row('Redirect URIs', listOrNone(c.redirectUris)),
    c.appType !== 'native' ? row('Allowed origins', listOrNone(c.allowedOrigins)) : null,
    row('Allowed scopes', listOrNone(c.allowedScopes)),
    c.appType === 'web' ? row('Grant types', listOrNone(c.allowedGrantTypes)) : null,
    c.appType === 'web' ? row('Authentication methods', listOrNone(c.allowedAuthMethods)) : null,
    c.publicKeys ? row('Public keys', listOrNone(c.publicKeys.map((k) => `${k.kid} (${k.alg})`))) : null,
    row('Created', when(c.createdAt)),
    row('Updated', when(c.updatedAt)));
}

function consentSection(c, rerender) {
  const current = (c.connectionConfig && c.connectionConfig.consentMethod) || 'required';
  const radio = (value, label) => h('div', {class: 'check'},
    h('input', {type: 'radio', name: 'consentMethod', id: `consent-${value}`, value, checked: current === value}),
    h('label', {for: `consent-${value}`}, label));
  const error = h('p', {class: 'field-error', role: 'alert', hidden: true});
  const form = h('form', {id: 'consent-form', onsubmit: async (e) => {
    e.preventDefault();
    const value = form.elements.consentMethod.value;
    if (value === current) return rerender('The consent method is unchanged.');
    try {
      await api.patch(`/api/core/oauth-clients/${encodeURIComponent(c.clientId)}`,
        [{op: 'replace', path: '/connectionConfig/consentMethod', value}]);
      rerender(value === 'trusted' ? 'Consent method set to trusted.' : 'Consent method set to required.');
    } catch (err) {
      error.textContent = err instanceof ApiError ? `${err.title} ${err.detail}` : err.message;
      error.hidden = false;
    }
  }},
  h('fieldset', {}, h('legend', {}, 'When people sign in to this client'),
    radio('required', 'Required: ask each person to allow the requested scopes'),
    radio('trusted', 'Trusted: skip the consent screen')),
  error,
  h('button', {type: 'submit', class: 'btn'}, 'Save consent method'));
  return h('section', {'aria-labelledby': 'consent-title'}, h('h2', {id: 'consent-title'}, 'Consent'), form);
}

function deleteSection(c) {
  const input = h('input', {id: 'confirm-name', autocomplete: 'off', spellcheck: 'false'});
  const button = h('button', {type: 'submit', class: 'btn danger', disabled: true}, 'Delete this client');
  const error = h('p', {class: 'field-error', role: 'alert', hidden: true});
  input.addEventListener('input', () => {
    button.disabled = input.value !== c.clientName;
  });
  const form = h('form', {id: 'delete-form', onsubmit: async (e) => {
    e.preventDefault();
    if (input.value !== c.clientName) return;
    try {
      await api.del(`/api/core/oauth-clients/${encodeURIComponent(c.clientId)}`, {'qlik-confirm-delete': c.clientId});
      flash(`Client “${c.clientName}” deleted. Its tokens no longer work.`);
      navigate('/console/clients');
    } catch (err) {
      error.textContent = err instanceof ApiError ? `${err.title} ${err.detail}` : err.message;
      error.hidden = false;
    }
  }},
  h('div', {class: 'field'},
    h('label', {for: 'confirm-name'}, 'Type the client’s name, ', h('strong', {}, c.clientName), ', to confirm'),
    input),
  error, button);
  return h('section', {class: 'danger-zone', 'aria-labelledby': 'delete-title'},
    h('h2', {id: 'delete-title'}, 'Delete'),
    h('p', {}, 'Deleting a client cannot be undone: its secrets and tokens stop working at once.'),
    form);
}

export async function clientView({id}, message) {
  let client;
  try {
    client = (await api.get(`/api/core/oauth-clients/${encodeURIComponent(id)}`)).data;
  } catch (e) {
    return failed(e, 'This client');
  }
  const rerender = (note) => {
    if (note) flash(note);
    return clientView({id});
  };
  const usesSecrets = client.appType === 'web' && (client.allowedAuthMethods || []).includes('client_secret');
  const once = secretOnce(client.clientId);
  page(client.clientName,
    message ? h('p', {class: 'notice', role: 'status'}, message) : null,
    once,
    h('p', {class: 'actions'},
      h('a', {class: 'btn', href: `/console/clients/${encodeURIComponent(client.clientId)}/edit`}, 'Edit'),
      h('a', {class: 'btn', href: '/console/clients'}, 'All clients')),
    details(client),
    usesSecrets ? secretsSection(client, rerender) : null,
    client.appType !== 'anonymous-embed' ? consentSection(client, rerender) : null,
    deleteSection(client));
  if (once) once.focus();
}
