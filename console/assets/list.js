// What the three lists share: sortable column headers, next/previous links
// carrying the API's cursors, the total, and search forms whose state lives
// in the address.

import {h} from './dom.js';
import {cursorOf} from './api.js';
import {withQuery} from './router.js';

/** The API's list query for the console's address parameters. */
export function apiQuery(path, {filter, sort, next, prev, limit = 20}) {
  return withQuery(path, {filter, sort, limit, totalResults: 'true', next, prev});
}

/**
 * A table. `columns`: [{label, field?, cell(row), narrow?}] where `field`
 * makes the header a link that sorts by it; `state` is the address query.
 */
export function table({caption, columns, rows, state, here, defaultSort}) {
  const sort = state.sort || defaultSort;
  const field = sort.replace(/^[+-]/, '');
  const descending = sort.startsWith('-');
  const head = columns.map((c) => {
    const cls = c.narrow ? 'wide-only' : undefined;
    if (!c.field) return h('th', {scope: 'col', class: cls}, c.label);
    const active = c.field === field;
    const nextSort = active && !descending ? `-${c.field}` : `+${c.field}`;
    const href = withQuery(here, {...state, sort: nextSort, next: '', prev: ''});
    return h('th', {scope: 'col', class: cls, 'aria-sort': active ? (descending ? 'descending' : 'ascending') : 'none'},
      h('a', {href, class: 'sort', 'data-sort': c.field},
        c.label,
        h('span', {class: 'sr-only'}, active ? (descending ? ', sorted descending' : ', sorted ascending') : ', sort'),
        h('span', {'aria-hidden': 'true', class: 'arrow'}, active ? (descending ? ' ▼' : ' ▲') : ' ↕')));
  });
  return h('div', {class: 'table-wrap'},
    h('table', {},
      h('caption', {class: 'sr-only'}, caption),
      h('thead', {}, h('tr', {}, head)),
      h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((c) => h('td', {class: c.narrow ? 'wide-only' : undefined}, c.cell(row))))))));
}

/** "N of total" and the previous/next links. */
export function pager({page, state, here, noun}) {
  const next = cursorOf(page.links && page.links.next, 'next');
  const prev = cursorOf(page.links && page.links.prev, 'prev');
  const total = typeof page.totalResults === 'number'
    ? h('p', {class: 'total', id: 'total', role: 'status'}, `${page.totalResults} ${page.totalResults === 1 ? noun[0] : noun[1]}`)
    : null;
  const link = (label, key, cursor, rel) => (cursor
    ? h('a', {class: 'btn', rel, href: withQuery(here, {...state, next: '', prev: '', [key]: cursor})}, label)
    : h('span', {class: 'btn disabled', 'aria-disabled': 'true'}, label));
  return h('nav', {class: 'pager', 'aria-label': 'Pages'},
    total,
    h('div', {class: 'pages'},
      link('← Previous', 'prev', prev, 'prev'),
      link('Next →', 'next', next, 'next')));
}

/** A labelled input. */
export function field(label, input, hint) {
  const id = input.id;
  const hintEl = hint ? h('p', {class: 'hint', id: `${id}-hint`}, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', {class: 'field'}, h('label', {for: id}, label), hintEl, input);
}
