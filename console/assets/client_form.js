// Creating and editing a client: the form shows exactly the fields the
// client's type allows (contract §4), sends a create body or a JSON Patch of
// only what changed, and shows the API's validation detail beside the field
// it names (`redirectUris[1]: …` goes under the redirect URIs, line 2).

import {h, uid} from './dom.js';
import {api, ApiError} from './api.js';
import {page, failed, flash, lead} from './layout.js';
import {navigate} from './router.js';
import {APP_TYPES} from './clients.js';
import {keepSecret} from './secrets.js';

const GRANTS = [['client_credentials', 'Client credentials'], ['urn:qlik:oauth:user-impersonation', 'User impersonation']];
const METHODS = [['client_secret', 'Client secret'], ['private_key_jwt', 'Private key JWT (public keys)']];
const FIELDS = ['clientName', 'description', 'logoUri', 'clientUri', 'redirectUris', 'allowedOrigins',
  'allowedScopes', 'allowedGrantTypes', 'allowedAuthMethods', 'publicKeys'];

/** Which fields a type allows, beyond the common ones. */
function allows(type, name) {
  if (name === 'allowedOrigins') return type !== 'native';
  if (name === 'allowedGrantTypes' || name === 'allowedAuthMethods') return type === 'web';
  return true;
}

function lines(text) {
  return text.split('\n').map((s) => s.trim()).filter(Boolean);
}

/** Sorted-key JSON, so equal values compare equal. */
function canon(v) {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

function empty(v) {
  return v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

/** The JSON Patch from `before` to `after`, over the writable fields. */
export function diff(before, after) {
  const ops = [];
  for (const key of FIELDS) {
    const b = empty(before[key]) ? undefined : before[key];
    const a = empty(after[key]) ? undefined : after[key];
    const path = `/${key}`;
    if (a === undefined && b !== undefined) ops.push({op: 'remove', path});
    else if (a !== undefined && b === undefined) ops.push({op: 'add', path, value: a});
    else if (a !== undefined && canon(a) !== canon(b)) ops.push({op: 'replace', path, value: a});
  }
  return ops;
}

/** The field an API `detail` names, and the line of a list it names. */
export function fieldOf(detail) {
  const m = /^([A-Za-z]+)(?:\[(\d+)\])?(?:\.([A-Za-z]+))?/.exec(detail || '');
  if (!m) return null;
  const name = m[1] === 'connectionConfig' ? 'consentMethod' : m[1];
  return {name, line: m[2] === undefined ? null : Number(m[2]) + 1};
}

function control(name, label, input, hint) {
  const errorEl = h('p', {class: 'field-error', id: `${input.id}-error`, hidden: true});
  const hintEl = hint ? h('p', {class: 'hint', id: `${input.id}-hint`}, hint) : null;
  input.setAttribute('aria-describedby', [hintEl && hintEl.id, errorEl.id].filter(Boolean).join(' '));
  return h('div', {class: 'field', 'data-field': name}, h('label', {for: input.id}, label), hintEl, input, errorEl);
}

function checkboxes(name, legend, options, checked) {
  return h('fieldset', {class: 'field', 'data-field': name, 'aria-describedby': `${name}-error`},
    h('legend', {}, legend),
    options.map(([value, label]) => {
      const id = uid(name);
      return h('div', {class: 'check'},
        h('input', {type: 'checkbox', id, name, value, checked: checked.includes(value)}),
        h('label', {for: id}, label, ' ', h('code', {}, value)));
    }),
    h('p', {class: 'field-error', id: `${name}-error`, hidden: true}));
}

function buildForm(client, editing) {
  const v = (k) => client[k] || '';
  const list = (k) => (client[k] || []).join('\n');
  const input = (name, attrs) => h('input', {id: `f-${name}`, name, value: v(name), ...attrs});
  const area = (name, value, rows = 3) => h('textarea', {id: `f-${name}`, name, rows}, value);
  const typeSelect = h('select', {id: 'f-appType', name: 'appType', disabled: editing},
    APP_TYPES.map((t) => h('option', {value: t, selected: client.appType === t}, t)));
  const form = h('form', {class: 'client-form', novalidate: true},
    h('div', {class: 'panel error', role: 'alert', id: 'form-error', hidden: true}),
    control('appType', 'App type', typeSelect, editing ? 'The type of a client cannot change.'
      : 'web: a server-side app or service (can hold a secret); spa: a browser app; native: a desktop or mobile app; anonymous-embed: embedded content.'),
    control('clientName', 'Name', input('clientName', {required: true, maxlength: 512, autocomplete: 'off'})),
    control('description', 'Description', area('description', v('description'))),
    control('logoUri', 'Logo URL', input('logoUri', {type: 'url'}), 'Shown on the consent screen.'),
    control('clientUri', 'Home page URL', input('clientUri', {type: 'url'})),
    control('redirectUris', 'Redirect URIs', area('redirectUris', list('redirectUris')),
      'One per line, at most 5: https, or http only on localhost, 127.0.0.1 or [::1]; native apps may use a private scheme.'),
    control('allowedOrigins', 'Allowed origins', area('allowedOrigins', list('allowedOrigins')),
      'One per line, at most 5: scheme://host[:port], nothing after.'),
    control('allowedScopes', 'Allowed scopes', input('allowedScopes', {value: (client.allowedScopes || []).join(' '), autocomplete: 'off'}),
      'Separated by spaces, e.g. billing:read billing:write.'),
    checkboxes('allowedGrantTypes', 'Grant types', GRANTS, client.allowedGrantTypes || []),
    checkboxes('allowedAuthMethods', 'Authentication methods', METHODS, client.allowedAuthMethods || (editing ? [] : ['client_secret'])),
    control('publicKeys', 'Public keys (JWK array)', area('publicKeys', client.publicKeys ? JSON.stringify(client.publicKeys, null, 2) : '', 6),
      'A JSON array of keys with kty, kid, use "sig", alg (RS256, RS512 or ES384) and n/e or crv/x/y.'),
    editing ? null : h('fieldset', {class: 'field', 'data-field': 'consentMethod'},
      h('legend', {}, 'Consent'),
      h('div', {class: 'check'}, h('input', {type: 'checkbox', id: 'f-trusted', name: 'trusted'}),
        h('label', {for: 'f-trusted'}, 'Trusted: people signing in are not asked to consent')),
      h('p', {class: 'field-error', id: 'f-trusted-error', hidden: true})),
    h('div', {class: 'actions'},
      h('button', {type: 'submit', class: 'btn primary'}, editing ? 'Save changes' : 'Create client'),
      h('a', {class: 'btn', href: editing ? `/console/clients/${encodeURIComponent(client.clientId)}` : '/console/clients'}, 'Cancel')));
  const sync = () => {
    const type = typeSelect.value;
    for (const el of form.querySelectorAll('[data-field]')) {
      const name = el.dataset.field;
      let shown = allows(type, name);
      if (name === 'publicKeys') shown = type === 'web' && form.querySelector('input[value="private_key_jwt"]').checked;
      el.hidden = !shown;
    }
  };
  typeSelect.addEventListener('change', sync);
  form.addEventListener('change', sync);
  sync();
  return form;
}

/** What the form says, as the API's fields; throws a field error for bad key JSON. */
function read(form) {
  const type = form.elements.appType.value;
  const out = {appType: type};
  const text = (name) => form.elements[name].value.trim();
  const visible = (name) => !form.querySelector(`[data-field="${name}"]`).hidden;
  for (const name of ['clientName', 'description', 'logoUri', 'clientUri']) out[name] = text(name) || undefined;
  out.redirectUris = lines(form.elements.redirectUris.value);
  if (visible('allowedOrigins')) out.allowedOrigins = lines(form.elements.allowedOrigins.value);
  out.allowedScopes = text('allowedScopes').split(/\s+/).filter(Boolean);
  if (type === 'web') {
    const ticked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
    out.allowedGrantTypes = ticked('allowedGrantTypes');
    out.allowedAuthMethods = ticked('allowedAuthMethods');
  }
  if (visible('publicKeys') && text('publicKeys')) {
    try {
      out.publicKeys = JSON.parse(text('publicKeys'));
    } catch {
      throw new ApiError(400, {errors: [{title: 'Invalid field', detail: 'publicKeys: is not valid JSON; paste a JSON array of keys'}]});
    }
  }
  if (form.elements.trusted && form.elements.trusted.checked) out.connectionConfig = {consentMethod: 'trusted'};
  return out;
}

function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) {
    el.hidden = true;
    el.textContent = '';
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  form.querySelector('#form-error').hidden = true;
}

/** Puts the API's message beside its field (else above the form) and focuses it. */
export function showError(form, error) {
  const at = fieldOf(error.detail);
  const box = at && form.querySelector(`[data-field="${at.name}"]:not([hidden])`);
  if (!box) {
    const top = form.querySelector('#form-error');
    top.textContent = `${error.title}${error.detail ? `: ${error.detail}` : ''}`;
    top.hidden = false;
    top.focus();
    return;
  }
  const message = error.detail.replace(/^[^:]*:\s*/, '');
  const target = box.querySelector('.field-error');
  target.textContent = at.line ? `Line ${at.line}: ${message}` : message;
  target.hidden = false;
  const input = box.querySelector('input, textarea, select');
  input.setAttribute('aria-invalid', 'true');
  input.focus();
}

async function submit(form, before) {
  clearErrors(form);
  try {
    const after = read(form);
    if (!before) {
      // An empty method list is sent as is, so the API's rule (at least one) is shown.
      const body = Object.fromEntries(Object.entries(after).filter(([k, v]) => !empty(v) || k === 'allowedAuthMethods'));
      const {data} = await api.post('/api/core/oauth-clients', body);
      if (data.clientSecret) keepSecret(data.clientId, data.clientSecret);
      flash(`Client “${data.clientName}” created.`);
      navigate(`/console/clients/${encodeURIComponent(data.clientId)}`);
      return;
    }
    const ops = diff(before, after);
    if (ops.length === 0) {
      flash('Nothing changed.');
    } else {
      const {status, data} = await api.patch(`/api/core/oauth-clients/${encodeURIComponent(before.clientId)}`, ops);
      if (status === 202 && data && data.clientSecret) keepSecret(before.clientId, data.clientSecret);
      flash('Changes saved.');
    }
    navigate(`/console/clients/${encodeURIComponent(before.clientId)}`);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 400 || e.status === 409)) showError(form, e);
    else failed(e);
  }
}

export function newClientView() {
  const form = buildForm({appType: 'web'}, false);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit(form, null);
  });
  page('New client', lead('Register an application. Fields that do not apply to the chosen type are hidden.'), form);
}

export async function editClientView({id}) {
  let client;
  try {
    client = (await api.get(`/api/core/oauth-clients/${encodeURIComponent(id)}`)).data;
  } catch (e) {
    return failed(e, 'This client');
  }
  const form = buildForm(client, true);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit(form, client);
  });
  page(`Edit ${client.clientName}`, form);
}
