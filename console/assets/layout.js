// The frame around every page (navigation, who is signed in, sign-out) and
// the pages every view may end on: forbidden, failed, not found.

import {h, replace} from './dom.js';
import {person, signOut, signIn} from './auth.js';
import {ApiError} from './api.js';

const main = () => document.getElementById('main');

const NAV = [
  ['/console/clients', 'Clients'],
  ['/console/users', 'Users'],
  ['/console/audits', 'Audit log'],
];

/** Draws the navigation and the account area, marking the current section. */
export function frame() {
  const here = location.pathname;
  replace(document.getElementById('nav'), h('ul', {},
    NAV.map(([href, label]) => h('li', {}, h('a', {href, 'aria-current': here.startsWith(href) ? 'page' : false}, label)))));
  const me = person();
  replace(document.getElementById('account'),
    me.name || me.email ? h('span', {class: 'who', title: me.email}, me.name || me.email) : null,
    h('button', {type: 'button', class: 'btn small', id: 'sign-out', onclick: () => signOut()}, 'Sign out'));
}

let notice = null;

/** A message for the next page shown (after a create or a delete). */
export function flash(text) {
  notice = text;
}

/** Starts a page: its title (also the document's), focus on it, and any pending notice. */
export function page(title, ...children) {
  document.title = `${title} · Registrar console`;
  const heading = h('h1', {tabindex: '-1'}, title);
  const shown = notice ? h('p', {class: 'notice', role: 'status'}, notice) : null;
  notice = null;
  replace(main(), heading, shown, ...children);
  return heading;
}

/** Moves focus to the page's heading after navigation, for keyboard and screen-reader users. */
export function focusHeading() {
  const heading = main().querySelector('h1');
  if (heading) heading.focus({preventScroll: false});
}

/** A paragraph of help under a heading. */
export function lead(...text) {
  return h('p', {class: 'lead'}, ...text);
}

/** The page for a person whose token lacks the management scopes (403). */
export function forbidden() {
  page('Not an administrator',
    h('div', {class: 'panel warn', role: 'alert'},
      h('p', {}, 'Your account is not an administrator of this tenant, so the console cannot show or change its clients, users or audit log.'),
      h('p', {}, 'Ask an administrator of this tenant to give your account the TenantAdmin role, then sign out and sign in again.')),
    h('p', {}, h('button', {type: 'button', class: 'btn', onclick: () => signOut()}, 'Sign out')));
}

/** Shows what went wrong and what to do; a 403 becomes the forbidden page. */
export function failed(error, what) {
  if (error instanceof ApiError && error.status === 403) return forbidden();
  if (error instanceof ApiError && error.status === 404 && what) {
    return page('Not found', h('p', {}, `${what} does not exist, or was deleted.`),
      h('p', {}, h('a', {href: '/console/clients'}, 'Back to the clients')));
  }
  const detail = error instanceof ApiError ? `${error.title} ${error.detail}`.trim() : error.message;
  return page('Something went wrong',
    h('div', {class: 'panel error', role: 'alert'}, h('p', {}, detail),
      error.traceId ? h('p', {class: 'muted'}, `Trace id ${error.traceId} (give it to your administrator).`) : null),
    h('p', {}, h('button', {type: 'button', class: 'btn', onclick: () => location.reload()}, 'Try again')));
}

/** The page for an address the console does not know. */
export function notFound() {
  page('Page not found', h('p', {}, 'The console has no page at this address.'),
    h('p', {}, h('a', {href: '/console/clients'}, 'Go to the clients')));
}

/** Sign-in did not succeed: say why, offer to try again. */
export function signInFailed(error) {
  page('Sign-in did not succeed',
    h('div', {class: 'panel error', role: 'alert'}, h('p', {}, error.message)),
    h('p', {}, h('button', {type: 'button', class: 'btn primary', onclick: () => signIn('/console/clients')}, 'Sign in again')));
}

/** After sign-out. */
export function signedOut() {
  page('You are signed out',
    h('p', {}, 'Your session with this server has ended and the console holds no tokens.'),
    h('p', {}, h('button', {type: 'button', class: 'btn primary', id: 'sign-in', onclick: () => signIn('/console/clients')}, 'Sign in')));
}
