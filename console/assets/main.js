// The console's start: find its client id, finish or start a sign-in, then
// route. Every page is drawn from the address alone.

import {h} from './dom.js';
import {clientId, rememberClientId, isSignInAnswer, completeSignIn, signIn, signedIn, takeSignedOut, SignInError} from './auth.js';
import {route, match, start, navigate} from './router.js';
import {frame, page, focusHeading, notFound, signInFailed, signedOut, failed, lead} from './layout.js';
import {clientsView} from './clients.js';
import {clientView} from './client.js';
import {newClientView, editClientView} from './client_form.js';
import {usersView, newUserView, userView} from './users.js';
import {auditsView} from './audits.js';

route('', () => navigate('/console/clients', {replace: true}));
route('/clients', clientsView);
route('/clients/new', newClientView);
route('/clients/:id', clientView);
route('/clients/:id/edit', editClientView);
route('/users', usersView);
route('/users/new', newUserView);
route('/users/:id', userView);
route('/audits', auditsView);

let firstView = true;

async function render() {
  frame();
  const found = match(location.pathname);
  try {
    if (found) await found.view(found.params);
    else notFound();
  } catch (e) {
    failed(e);
  }
  if (firstView) {
    firstView = false;
    // The browser tests read this mark: the first screen is drawn and usable.
    performance.mark('registrar:first-view');
  } else if (!document.getElementById('main').contains(document.activeElement)) {
    focusHeading();
  }
}

/** No client id: the console was opened without the address `tenant create` printed. */
function askClientId() {
  const input = h('input', {id: 'client-id-input', name: 'client_id', autocomplete: 'off', required: true, pattern: '[a-z0-9]{32}'});
  page('Open the console',
    lead('The console signs you in through your tenant’s console client. Open it with the consoleUrl that ',
      h('code', {}, 'registrar tenant create'), ' printed, or enter that client’s id here.'),
    h('form', {onsubmit: (e) => {
      e.preventDefault();
      const id = input.value.trim();
      if (!id) return;
      rememberClientId(id);
      signIn('/console/clients');
    }},
    h('div', {class: 'field'}, h('label', {for: 'client-id-input'}, 'Console client id'), input),
    h('button', {type: 'submit', class: 'btn primary'}, 'Sign in')));
}

async function boot() {
  if (!clientId()) return askClientId();
  if (isSignInAnswer()) {
    try {
      const back = await completeSignIn();
      history.replaceState(null, '', back);
    } catch (e) {
      if (e instanceof SignInError) return signInFailed(e);
      throw e;
    }
  } else if (takeSignedOut()) {
    return signedOut();
  }
  if (!signedIn()) {
    const params = new URLSearchParams(location.search);
    params.delete('client_id');
    const rest = params.toString();
    const here = location.pathname === '/console/' ? '/console/clients' : location.pathname;
    return signIn(rest ? `${here}?${rest}` : here);
  }
  start(render);
}

boot().catch((e) => failed(e));
