// Signing in: authorization code with PKCE (S256) as a public client, then
// tokens held in this page's memory only (never in storage or cookies).
// A reload signs in again through the server's session (single sign-on
// sends the browser straight back). The access token is renewed with the
// refresh token before it expires. Only the PKCE verifier, the state and the
// route to return to wait in sessionStorage across the redirect: none of
// them is a credential without the code, which only the server's redirect
// delivers.

const CLIENT_KEY = 'registrar.console.clientId';
const PENDING = 'registrar.console.signin.';
const SIGNED_OUT = 'registrar.console.signedOut';
const PENDING_TTL_MS = 10 * 60 * 1000;

/** The management scopes, and what the console shows of the person. */
export const SCOPES = [
  'openid', 'profile', 'email', 'offline_access',
  'oauth-clients:read', 'oauth-clients:write', 'users:read', 'users:write', 'audits:read',
].join(' ');

/** Why signing in did not succeed, in words for the person. */
export class SignInError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code || '';
  }
}

let discovered = null;
let tokens = null;
let renewTimer = null;
let renewing = null;

export function redirectUri() {
  return `${location.origin}/console/`;
}

/** The console's client id: from the address (remembered), else remembered. */
export function clientId() {
  const fromUrl = new URLSearchParams(location.search).get('client_id');
  try {
    if (fromUrl) localStorage.setItem(CLIENT_KEY, fromUrl);
    return fromUrl || localStorage.getItem(CLIENT_KEY) || '';
  } catch {
    return fromUrl || '';
  }
}

export function rememberClientId(id) {
  try {
    localStorage.setItem(CLIENT_KEY, id);
  } catch {
    // Storage may be off; the id then has to stay in the address.
  }
}

/** The server's metadata (OpenID Connect discovery, else RFC 8414). */
export async function discover() {
  if (discovered) return discovered;
  for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    const res = await fetch(path, {headers: {Accept: 'application/json'}});
    if (res.ok) {
      const doc = await res.json();
      if (doc.authorization_endpoint && doc.token_endpoint) {
        discovered = doc;
        return doc;
      }
    }
  }
  throw new SignInError('This server does not offer browser sign-in (its metadata names no authorization endpoint).');
}

function base64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random(n) {
  return base64url(crypto.getRandomValues(new Uint8Array(n)));
}

function forgetStalePending() {
  for (let i = sessionStorage.length - 1; i >= 0; i -= 1) {
    const key = sessionStorage.key(i);
    if (!key || !key.startsWith(PENDING)) continue;
    try {
      const at = JSON.parse(sessionStorage.getItem(key)).at;
      if (!(Date.now() - at < PENDING_TTL_MS)) sessionStorage.removeItem(key);
    } catch {
      sessionStorage.removeItem(key);
    }
  }
}

/** Sends the browser to sign in; comes back to `returnTo`. Never resolves. */
export async function signIn(returnTo) {
  const doc = await discover();
  const id = clientId();
  forgetStalePending();
  const verifier = random(32);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const state = random(16);
  const nonce = random(16);
  sessionStorage.setItem(PENDING + state, JSON.stringify({verifier, nonce, returnTo, clientId: id, at: Date.now()}));
  const url = new URL(doc.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: id,
    redirect_uri: redirectUri(),
    scope: SCOPES,
    state,
    nonce,
    code_challenge: base64url(new Uint8Array(digest)),
    code_challenge_method: 'S256',
  }).toString();
  // Replace, so that Back skips the page that only redirected.
  location.replace(url.toString());
  return new Promise(() => {});
}

/** Whether the address is the server's answer to a sign-in. */
export function isSignInAnswer() {
  const p = new URLSearchParams(location.search);
  return p.has('state') && (p.has('code') || p.has('error'));
}

const REASONS = {
  access_denied: 'Sign-in was declined.',
  login_required: 'You need to sign in.',
  invalid_scope: 'The server refused the permissions the console asks for.',
  unauthorized_client: 'This console client may not sign people in.',
  temporarily_unavailable: 'The server is busy; try again in a moment.',
};

/** Finishes a sign-in: checks state and issuer, redeems the code, returns the route to show. */
export async function completeSignIn() {
  const p = new URLSearchParams(location.search);
  const state = p.get('state');
  const raw = sessionStorage.getItem(PENDING + state);
  sessionStorage.removeItem(PENDING + state);
  history.replaceState(null, '', '/console/');
  if (!raw) throw new SignInError('This sign-in answer does not belong to a sign-in started in this tab (unknown state).');
  const pending = JSON.parse(raw);
  const doc = await discover();
  if (p.get('iss') !== doc.issuer) {
    throw new SignInError(`The sign-in answer names another issuer (${p.get('iss') || 'none'}), so it was ignored.`);
  }
  if (p.get('error')) {
    const why = REASONS[p.get('error')] || 'Sign-in did not succeed.';
    throw new SignInError(`${why} ${p.get('error_description') || ''}`.trim(), p.get('error'));
  }
  const data = await tokenRequest({
    grant_type: 'authorization_code',
    code: p.get('code'),
    redirect_uri: redirectUri(),
    client_id: pending.clientId,
    code_verifier: pending.verifier,
  });
  accept(data, pending.nonce);
  return pending.returnTo || '/console/clients';
}

async function tokenRequest(params) {
  const doc = await discover();
  let res;
  try {
    res = await fetch(doc.token_endpoint, {
      method: 'POST',
      headers: {'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json'},
      body: new URLSearchParams(params),
    });
  } catch (e) {
    throw new SignInError(`The server could not be reached (${e.message}).`);
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new SignInError(`The server refused the tokens: ${data.error_description || data.error || res.status}.`, data.error);
  }
  return data;
}

function claimsOf(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

function accept(data, nonce) {
  const idToken = data.id_token || (tokens && tokens.id) || '';
  const claims = idToken ? claimsOf(idToken) : {};
  if (nonce !== undefined && data.id_token && claims.nonce !== nonce) {
    throw new SignInError('The ID token does not answer this sign-in (nonce mismatch).');
  }
  const lifetime = Math.max(1, Number(data.expires_in) || 300) * 1000;
  tokens = {
    access: data.access_token,
    refresh: data.refresh_token || (tokens && tokens.refresh) || '',
    id: idToken,
    claims,
    scopes: (data.scope || '').split(' ').filter(Boolean),
    renewAt: Date.now() + lifetime * 0.8,
  };
  clearTimeout(renewTimer);
  // Renew at four fifths of the lifetime, so a request never carries a token
  // about to expire.
  if (tokens.refresh) renewTimer = setTimeout(() => renew().catch(() => {}), lifetime * 0.8);
}

/** Renews the access token with the refresh token; else signs in again. */
export function renew() {
  if (!renewing) {
    renewing = (async () => {
      try {
        if (!tokens || !tokens.refresh) throw new SignInError('no refresh token');
        accept(await tokenRequest({grant_type: 'refresh_token', refresh_token: tokens.refresh, client_id: clientId()}));
      } catch {
        tokens = null;
        await signIn(location.pathname + location.search);
      } finally {
        renewing = null;
      }
    })();
  }
  return renewing;
}

/** A live access token: renewed first when past four fifths of its lifetime
 * (the timer above may not have run: browsers slow down timers of hidden tabs). */
export async function accessToken() {
  if (!tokens) await signIn(location.pathname + location.search);
  if (Date.now() >= tokens.renewAt) await renew();
  return tokens.access;
}

export function signedIn() {
  return tokens !== null;
}

/** Who is signed in (from the ID token), and the scopes granted. */
export function person() {
  const c = (tokens && tokens.claims) || {};
  return {name: c.name || '', email: c.email || '', sub: c.sub || '', scopes: (tokens && tokens.scopes) || []};
}

/** Whether the last visit ended by signing out (asked once). */
export function takeSignedOut() {
  const was = sessionStorage.getItem(SIGNED_OUT) === '1';
  sessionStorage.removeItem(SIGNED_OUT);
  return was;
}

/** Drops the tokens, revokes the refresh token, ends the server's session. */
export async function signOut() {
  const doc = await discover();
  const held = tokens;
  tokens = null;
  clearTimeout(renewTimer);
  if (held && held.refresh && doc.revocation_endpoint) {
    try {
      await fetch(doc.revocation_endpoint, {
        method: 'POST',
        headers: {'Content-Type': 'application/x-www-form-urlencoded'},
        body: new URLSearchParams({token: held.refresh, token_type_hint: 'refresh_token', client_id: clientId()}),
      });
    } catch {
      // The session ends below either way; the refresh token then dies with it or expires.
    }
  }
  sessionStorage.setItem(SIGNED_OUT, '1');
  const url = new URL(doc.end_session_endpoint || '/oauth/logout', location.origin);
  const params = {post_logout_redirect_uri: redirectUri(), client_id: clientId()};
  if (held && held.id) params.id_token_hint = held.id;
  url.search = new URLSearchParams(params).toString();
  location.assign(url.toString());
}
