// The audit log (contract §10): events filtered by type, subject, actor and
// time, newest first, each with its details.

import {h, when} from './dom.js';
import {api, ApiError} from './api.js';
import {page, failed, lead} from './layout.js';
import {apiQuery, table, pager, field} from './list.js';
import {query, navigate, withQuery} from './router.js';
import {and, compare} from './scim.js';

const HERE = '/console/audits';
const TYPES = [
  'oauth-client.created', 'oauth-client.updated', 'oauth-client.deleted',
  'oauth-client.secret.created', 'oauth-client.secret.deleted', 'oauth-client.tokens.revoked',
  'token.revoked', 'user.created', 'user.updated', 'user.deleted', 'user.signed-in', 'user.sign-in-failed',
  'consent.granted', 'consent.revoked', 'signing-key.rotated',
].map((t) => `com.registrar.${t}`);

/** An RFC 3339 instant from a datetime-local value (the person's time zone). */
function instant(local) {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

export function auditsFilter(s) {
  return and(
    s.type ? compare('type', 'eq', s.type) : '',
    s.subject ? compare('subject', 'eq', s.subject) : '',
    s.actor ? compare('actor.sub', 'eq', s.actor) : '',
    instant(s.from) ? compare('time', 'ge', instant(s.from)) : '',
    instant(s.to) ? compare('time', 'le', instant(s.to)) : '');
}

function filters(state) {
  const text = (name) => h('input', {id: `a-${name}`, name, value: state[name] || '', autocomplete: 'off'});
  const type = h('select', {id: 'a-type', name: 'type'}, h('option', {value: ''}, 'Any type'),
    TYPES.map((t) => h('option', {value: t, selected: state.type === t}, t.replace('com.registrar.', ''))));
  const from = h('input', {id: 'a-from', name: 'from', type: 'datetime-local', value: state.from || ''});
  const to = h('input', {id: 'a-to', name: 'to', type: 'datetime-local', value: state.to || ''});
  const subject = text('subject');
  const actor = text('actor');
  return h('form', {class: 'toolbar', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    navigate(withQuery(HERE, {type: type.value, subject: subject.value.trim(), actor: actor.value.trim(), from: from.value, to: to.value}));
  }},
  field('Type', type), field('Subject (resource id)', subject), field('Actor (sub)', actor),
  field('From', from), field('To', to),
  h('button', {type: 'submit', class: 'btn'}, 'Filter'));
}

function eventDetails(e) {
  return h('details', {},
    h('summary', {}, 'Details', h('span', {class: 'sr-only'}, ` of event ${e.id}`)),
    h('pre', {class: 'json', tabindex: '0'}, JSON.stringify(e, null, 2)));
}

export async function auditsView() {
  const state = query();
  let result;
  try {
    result = await api.get(apiQuery('/api/core/audits', {filter: auditsFilter(state), next: state.next, prev: state.prev}));
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
      return page('Audit log', h('p', {class: 'panel warn', id: 'no-audit-api'}, `This server has no audit log API (GET /api/core/audits answered ${e.status}); upgrade it to read the audit log here.`));
    }
    return failed(e);
  }
  const list = result.data;
  const rows = list.data || [];
  const columns = [
    // The API sorts events by time, newest first, only: no sort links.
    {label: 'Time', cell: (e) => when(e.time)},
    {label: 'Type', cell: (e) => String(e.type || '').replace('com.registrar.', '')},
    {label: 'Subject', narrow: true, cell: (e) => h('code', {}, e.subject || '')},
    {label: 'Actor', cell: (e) => (e.actor ? e.actor.sub || '' : '')},
    {label: 'Details', cell: eventDetails},
  ];
  const searching = ['type', 'subject', 'actor', 'from', 'to'].some((k) => state[k]);
  page('Audit log',
    lead('Every change to this tenant’s clients and users, every sign-in, newest first.'),
    filters(state),
    rows.length ? table({caption: 'Audit events', columns, rows, state, here: HERE, defaultSort: '-time'})
      : h('div', {class: 'empty'}, h('p', {}, searching ? 'No event matches these filters. Widen the time range or clear a filter.' : 'No events yet: changes and sign-ins will appear here.')),
    pager({page: list, state, here: HERE, noun: ['event', 'events']}));
}
