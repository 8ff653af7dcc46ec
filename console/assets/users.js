// Users of the tenant (contract §7): list with search, create, disable or
// enable, make or unmake admin, delete after typing the email.

import {h, when} from './dom.js';
import {api, ApiError} from './api.js';
import {page, failed, flash, lead} from './layout.js';
import {apiQuery, table, pager, field} from './list.js';
import {query, navigate, withQuery} from './router.js';
import {and, or, compare} from './scim.js';

const HERE = '/console/users';
const ADMIN = 'TenantAdmin';

/** The server cannot list users (no such route, or only some of its methods). */
function missingApi(e) {
  if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
    page('Users',
      h('p', {class: 'panel warn', id: 'no-user-list'}, `This server cannot list users (GET /api/core/users answered ${e.status}); upgrade it to search users here.`),
      h('p', {}, h('a', {class: 'btn primary', href: `${HERE}/new`}, 'New user')));
    return true;
  }
  return false;
}

export function usersFilter(search, status) {
  return and(search ? or(compare('name', 'co', search), compare('email', 'co', search)) : '',
    status ? compare('status', 'eq', status) : '');
}

export async function usersView() {
  const state = query();
  let result;
  try {
    result = await api.get(apiQuery('/api/core/users', {filter: usersFilter(state.search, state.status), sort: state.sort, next: state.next, prev: state.prev}));
  } catch (e) {
    return missingApi(e) || failed(e);
  }
  const list = result.data;
  const rows = list.data || [];
  const search = h('input', {id: 'user-search', type: 'search', name: 'search', value: state.search || '', autocomplete: 'off'});
  const status = h('select', {id: 'user-status', name: 'status'},
    h('option', {value: ''}, 'Any status'),
    ['active', 'disabled'].map((s) => h('option', {value: s, selected: state.status === s}, s)));
  const form = h('form', {class: 'toolbar', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    navigate(withQuery(HERE, {search: search.value.trim(), status: status.value, sort: state.sort}));
  }}, field('Name or email contains', search), field('Status', status), h('button', {type: 'submit', class: 'btn'}, 'Search'));
  const columns = [
    {label: 'Name', field: 'name', cell: (u) => h('a', {href: `${HERE}/${encodeURIComponent(u.id)}`}, u.name)},
    {label: 'Email', field: 'email', cell: (u) => u.email},
    {label: 'Status', field: 'status', cell: (u) => u.status},
    {label: 'Role', narrow: true, cell: (u) => ((u.roles || []).includes(ADMIN) ? 'Administrator' : 'User')},
    {label: 'Created', field: 'createdAt', narrow: true, cell: (u) => when(u.createdAt)},
  ];
  const empty = h('div', {class: 'empty'}, h('p', {}, state.search || state.status ? 'No user matches this search.' : 'This tenant has no users yet.'),
    h('p', {}, h('a', {href: `${HERE}/new`}, 'Create a user'), ' so that a person can sign in.'));
  page('Users',
    lead('People who sign in to this tenant’s clients. Administrators (TenantAdmin) may use this console.'),
    h('p', {}, h('a', {class: 'btn primary', href: `${HERE}/new`}, 'New user')),
    form,
    rows.length ? table({caption: 'Users', columns, rows, state, here: HERE, defaultSort: '-createdAt'}) : empty,
    pager({page: list, state, here: HERE, noun: ['user', 'users']}));
}

function errorBox() {
  return h('div', {class: 'panel error', role: 'alert', hidden: true});
}

function showApiError(box, e) {
  box.textContent = e instanceof ApiError ? `${e.title}${e.detail ? `: ${e.detail}` : ''}` : e.message;
  box.hidden = false;
  box.focus();
}

export function newUserView() {
  const input = (name, label, attrs, hint) => field(label, h('input', {id: `u-${name}`, name, required: true, ...attrs}), hint);
  const box = errorBox();
  box.tabIndex = -1;
  const form = h('form', {class: 'client-form', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    const f = form.elements;
    const body = {email: f.email.value.trim(), name: f.name.value.trim(), password: f.password.value};
    if (f.admin.checked) body.roles = [ADMIN];
    try {
      const {data} = await api.post('/api/core/users', body);
      flash(`User ${data.email} created.`);
      navigate(`${HERE}/${encodeURIComponent(data.id)}`);
    } catch (err) {
      showApiError(box, err);
    }
  }},
  box,
  input('email', 'Email', {type: 'email', autocomplete: 'off'}),
  input('name', 'Name', {autocomplete: 'off'}),
  input('password', 'Password', {type: 'password', autocomplete: 'new-password', minlength: 12}, 'At least 12 characters. Give it to the person over a safe channel.'),
  h('div', {class: 'check'}, h('input', {type: 'checkbox', id: 'u-admin', name: 'admin'}),
    h('label', {for: 'u-admin'}, 'Administrator (TenantAdmin): may use this console')),
  h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'btn primary'}, 'Create user'), h('a', {class: 'btn', href: HERE}, 'Cancel')));
  page('New user', form);
}

export async function userView({id}) {
  const path = `/api/core/users/${encodeURIComponent(id)}`;
  let user;
  try {
    user = (await api.get(path)).data;
  } catch (e) {
    return failed(e, 'This user');
  }
  const box = errorBox();
  const change = (ops, note) => async () => {
    try {
      await api.patch(path, ops);
      flash(note);
      userView({id});
    } catch (e) {
      showApiError(box, e);
    }
  };
  const admin = (user.roles || []).includes(ADMIN);
  const active = user.status === 'active';
  const confirm = h('input', {id: 'confirm-email', autocomplete: 'off'});
  const del = h('button', {type: 'submit', class: 'btn danger', disabled: true}, 'Delete this user');
  confirm.addEventListener('input', () => {
    del.disabled = confirm.value !== user.email;
  });
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
  page(user.name,
    box,
    h('dl', {class: 'details'},
      row('Email', user.email), row('Status', user.status), row('Role', admin ? 'Administrator (TenantAdmin)' : 'User'),
      row('Subject', h('code', {}, user.subject)), row('User ID', h('code', {}, user.id)),
      row('Created', when(user.createdAt)), row('Updated', when(user.updatedAt))),
    h('p', {class: 'actions'},
      h('button', {type: 'button', class: 'btn', id: 'toggle-status',
        onclick: change([{op: 'replace', path: '/status', value: active ? 'disabled' : 'active'}], active ? 'User disabled: they can no longer sign in, and their tokens stopped working.' : 'User enabled.')},
      active ? 'Disable' : 'Enable'),
      h('button', {type: 'button', class: 'btn', id: 'toggle-admin',
        onclick: change([{op: 'replace', path: '/roles', value: admin ? [] : [ADMIN]}], admin ? 'Administrator role removed.' : 'User made an administrator.')},
      admin ? 'Remove administrator role' : 'Make administrator'),
      h('a', {class: 'btn', href: HERE}, 'All users')),
    h('section', {class: 'danger-zone', 'aria-labelledby': 'delete-title'},
      h('h2', {id: 'delete-title'}, 'Delete'),
      h('form', {id: 'delete-form', onsubmit: async (e) => {
        e.preventDefault();
        if (confirm.value !== user.email) return;
        try {
          await api.del(path, {'qlik-confirm-delete': user.id});
          flash(`User ${user.email} deleted.`);
          navigate(HERE);
        } catch (err) {
          showApiError(box, err);
        }
      }},
      h('div', {class: 'field'}, h('label', {for: 'confirm-email'}, 'Type the user’s email, ', h('strong', {}, user.email), ', to confirm'), confirm),
      del)));
}
