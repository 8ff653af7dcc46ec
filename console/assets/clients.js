// The clients list: search by name, filter by type, sort by any column,
// page with the API's cursors, the total; all of it in the address.

import {h, when} from './dom.js';
import {api} from './api.js';
import {page, failed, lead} from './layout.js';
import {apiQuery, table, pager, field} from './list.js';
import {query, navigate, withQuery} from './router.js';
import {and, compare} from './scim.js';

export const APP_TYPES = ['web', 'spa', 'native', 'anonymous-embed'];
const HERE = '/console/clients';

/** The API filter for what the person asked: a name contains, a type equals. */
export function clientsFilter(search, appType) {
  return and(search ? compare('clientName', 'co', search) : '', appType ? compare('appType', 'eq', appType) : '');
}

function searchForm(state) {
  const search = h('input', {id: 'client-search', name: 'search', type: 'search', value: state.search || '', autocomplete: 'off'});
  const type = h('select', {id: 'client-type', name: 'appType'},
    h('option', {value: ''}, 'All types'),
    APP_TYPES.map((t) => h('option', {value: t, selected: state.appType === t}, t)));
  return h('form', {class: 'toolbar', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    navigate(withQuery(HERE, {search: search.value.trim(), appType: type.value, sort: state.sort}));
  }},
  field('Name contains', search),
  field('App type', type),
  h('button', {type: 'submit', class: 'btn'}, 'Search'));
}

export async function clientsView() {
  const state = query();
  const filter = clientsFilter(state.search, state.appType);
  let result;
  try {
    result = await api.get(apiQuery('/api/core/oauth-clients', {filter, sort: state.sort, next: state.next, prev: state.prev}));
  } catch (e) {
    return failed(e);
  }
  const list = result.data;
  const rows = list.data || [];
  const columns = [
    {label: 'Name', field: 'clientName', cell: (c) => h('a', {href: `/console/clients/${encodeURIComponent(c.clientId)}`}, c.clientName)},
    {label: 'Client ID', field: 'clientId', narrow: true, cell: (c) => h('code', {}, c.clientId)},
    {label: 'App type', field: 'appType', cell: (c) => c.appType},
    {label: 'Created', field: 'createdAt', narrow: true, cell: (c) => when(c.createdAt)},
    {label: 'Updated', field: 'updatedAt', narrow: true, cell: (c) => when(c.updatedAt)},
  ];
  const searching = Boolean(state.search || state.appType);
  const empty = searching
    ? h('div', {class: 'empty'}, h('p', {}, 'No client matches this search.'),
      h('p', {}, 'Change the name or type, or ', h('a', {href: HERE}, 'show every client'), '.'))
    : h('div', {class: 'empty'}, h('p', {}, 'This tenant has no clients yet.'),
      h('p', {}, h('a', {href: '/console/clients/new'}, 'Create the first client'), '.'));
  page('Clients',
    lead('The OAuth clients of this tenant: applications and services that get tokens from this server.'),
    h('p', {}, h('a', {class: 'btn primary', href: '/console/clients/new'}, 'New client')),
    searchForm(state),
    rows.length ? table({caption: 'Clients', columns, rows, state, here: HERE, defaultSort: '-createdAt'}) : empty,
    pager({page: list, state, here: HERE, noun: ['client', 'clients']}));
}
