"""Sign-in through a real browser (headless Chromium, driven by Selenium)
with a real client library (Authlib) on the client's side: a `spa` with
PKCE, a `native` app with a loopback redirect on a random port (RFC 8252),
and a `web` client with a secret.

Run by tests/api/browser.rs against a real server, which passes its base URL,
a tenant admin's credentials and two users' emails and password in the
environment. Authlib builds the authorize URL (state, nonce, PKCE S256),
checks `state` and `iss` on the way back, exchanges the code, refreshes,
calls userinfo and validates the ID token against the JWKS; Chromium fills
in the sign-in and consent forms by their fixed names (`email`, `password`,
`decision`). The clients' redirect URIs point at a small HTTP server this
test runs on loopback.
"""

import http.server
import os
import queue
import socket
import tempfile
import threading
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.jwk import KeySet
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

BASE = os.environ["REGISTRAR_BASE_URL"]
ADMIN_ID = os.environ["REGISTRAR_ADMIN_ID"]
ADMIN_SECRET = os.environ["REGISTRAR_ADMIN_SECRET"]
USER_EMAIL = os.environ["REGISTRAR_USER_EMAIL"]
USER_PASSWORD = os.environ["REGISTRAR_USER_PASSWORD"]
CHROMIUM = os.environ.get("REGISTRAR_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("REGISTRAR_CHROMEDRIVER", "/usr/bin/chromedriver")

DISCOVERY = BASE + "/.well-known/openid-configuration"
CLIENTS_URL = BASE + "/api/core/oauth-clients"


class Callback(http.server.BaseHTTPRequestHandler):
    """Records every redirect that reaches the client's redirect URI."""

    seen: "queue.Queue[str]" = queue.Queue()

    def do_GET(self):  # noqa: N802 (http.server's name)
        Callback.seen.put(self.path)
        body = b"<!doctype html><title>back</title><p>back at the client</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def callback():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Callback)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def next_callback(path, timeout=30):
    """The next request to `path` (the browser also asks for other things,
    such as /favicon.ico)."""
    deadline = time.monotonic() + timeout
    while True:
        seen = Callback.seen.get(timeout=max(0.1, deadline - time.monotonic()))
        if urlparse(seen).path == path:
            return seen


@pytest.fixture(scope="module")
def metadata():
    doc = requests.get(DISCOVERY, timeout=10).json()
    # Authlib's own validators of both documents (RFC 8414 and OIDC Discovery).
    AuthorizationServerMetadata(doc).validate()
    oidc = OpenIDProviderMetadata(doc)
    for key in oidc.REGISTRY_KEYS:
        if key != "id_token_signing_alg_values_supported":
            getattr(oidc, "validate_" + key)()
    # The one rule left out: OpenID Connect Discovery wants RS256 listed,
    # while ID tokens here are ES256 only (contract §8, docs/decisions.md).
    assert doc["id_token_signing_alg_values_supported"] == ["ES256"]
    with pytest.raises(ValueError, match="RS256"):
        oidc.validate_id_token_signing_alg_values_supported()
    return doc


@pytest.fixture(scope="module")
def admin():
    session = OAuth2Session(ADMIN_ID, ADMIN_SECRET, token_endpoint_auth_method="client_secret_basic")
    session.fetch_token(BASE + "/oauth/token", grant_type="client_credentials")
    return session


def register(admin, body):
    res = admin.post(CLIENTS_URL, json=body)
    assert res.status_code == 201, res.text
    return res.json()


@pytest.fixture()
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="registrar-chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--user-data-dir=" + profile,
    ):
        options.add_argument(flag)
    # The driver is named explicitly, so Selenium never looks for (or
    # downloads) one of its own.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def sign_in(driver, email=USER_EMAIL, password=USER_PASSWORD):
    WebDriverWait(driver, 15).until(ec.presence_of_element_located((By.NAME, "password")))
    driver.find_element(By.NAME, "email").clear()
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def consent(driver, decision):
    WebDriverWait(driver, 15).until(ec.presence_of_element_located((By.NAME, "decision")))
    driver.find_element(By.CSS_SELECTOR, f"button[name=decision][value={decision}]").click()


def validate_id_token(metadata, token, client_id, nonce):
    """Signature by the JWKS, then Authlib's OpenID Connect claim checks
    (iss, aud, exp, iat, nonce, at_hash, auth_time)."""
    keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    decoded = jwt.decode(token["id_token"], keys, algorithms=["ES256"])
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        options={"iss": {"essential": True, "value": metadata["issuer"]}, "auth_time": {"essential": True}},
        params={"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]},
    )
    claims.validate()
    return claims


def authorize_and_return(driver, session, metadata, redirect_uri, decision="allow", **extra):
    """Opens the authorize URL Authlib builds, signs in and answers consent
    in the browser, and returns the redirect URL the client received."""
    verifier = generate_token(48)
    nonce = generate_token(16)
    uri, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce, redirect_uri=redirect_uri, **extra
    )
    driver.get(uri)
    sign_in(driver)
    if decision:
        consent(driver, decision)
    url = urlparse(redirect_uri)
    path = next_callback(url.path)
    returned = f"{url.scheme}://{url.netloc}{path}"
    query = parse_qs(urlparse(returned).query)
    # RFC 9207: the issuer on every answer, so a client can tell mix-ups.
    assert query["iss"] == [metadata["issuer"]]
    assert query["state"] == [state]
    return returned, verifier, nonce


def check_refresh_and_userinfo(session, metadata, token):
    old_refresh = token["refresh_token"]
    refreshed = session.refresh_token(metadata["token_endpoint"], refresh_token=old_refresh)
    assert refreshed["refresh_token"] != old_refresh, "rotated on every use"
    info = session.get(metadata["userinfo_endpoint"])
    assert info.status_code == 200, info.text
    assert info.json()["email"] == USER_EMAIL
    # The retired refresh token is refused (the client authenticating as
    # usual), and its family with it: the newest one too.
    with pytest.raises(OAuthError) as refused:
        session.refresh_token(metadata["token_endpoint"], refresh_token=old_refresh)
    assert refused.value.error == "invalid_grant"
    with pytest.raises(OAuthError) as family:
        session.refresh_token(metadata["token_endpoint"], refresh_token=refreshed["refresh_token"])
    assert family.value.error == "invalid_grant"


def test_spa_with_pkce_consent_refresh_userinfo(metadata, admin, callback, browser):
    redirect_uri = f"http://127.0.0.1:{callback}/spa/cb"
    client = register(
        admin,
        {
            "appType": "spa",
            "clientName": "Browser SPA",
            "redirectUris": [redirect_uri],
            "allowedOrigins": [f"http://127.0.0.1:{callback}"],
        },
    )
    session = OAuth2Session(
        client["clientId"],
        scope="openid profile email offline_access",
        token_endpoint_auth_method="none",
        code_challenge_method="S256",
    )
    returned, verifier, nonce = authorize_and_return(browser, session, metadata, redirect_uri)
    token = session.fetch_token(
        metadata["token_endpoint"], authorization_response=returned, code_verifier=verifier, redirect_uri=redirect_uri
    )
    claims = validate_id_token(metadata, token, client["clientId"], nonce)
    assert claims["email"] == USER_EMAIL
    check_refresh_and_userinfo(session, metadata, token)


def test_spa_deny_returns_access_denied(metadata, admin, callback, browser):
    redirect_uri = f"http://127.0.0.1:{callback}/deny/cb"
    client = register(admin, {"appType": "spa", "clientName": "Denied", "redirectUris": [redirect_uri]})
    session = OAuth2Session(client["clientId"], scope="openid", code_challenge_method="S256")
    returned, _, _ = authorize_and_return(browser, session, metadata, redirect_uri, decision="deny")
    assert parse_qs(urlparse(returned).query)["error"] == ["access_denied"]


def test_native_app_with_loopback_redirect_on_a_random_port(metadata, admin, callback, browser):
    # Registered without the port the app will use (RFC 8252 §7.3): the app
    # picks a free port at run time.
    client = register(
        admin,
        {
            "appType": "native",
            "clientName": "Desktop app",
            "redirectUris": ["http://127.0.0.1:1/native/cb"],
            "connectionConfig": {"consentMethod": "trusted"},
        },
    )
    redirect_uri = f"http://127.0.0.1:{callback}/native/cb"
    session = OAuth2Session(
        client["clientId"],
        scope="openid email offline_access",
        token_endpoint_auth_method="none",
        code_challenge_method="S256",
    )
    returned, verifier, nonce = authorize_and_return(browser, session, metadata, redirect_uri, decision=None)
    token = session.fetch_token(
        metadata["token_endpoint"], authorization_response=returned, code_verifier=verifier, redirect_uri=redirect_uri
    )
    validate_id_token(metadata, token, client["clientId"], nonce)
    check_refresh_and_userinfo(session, metadata, token)


def test_web_client_with_a_secret(metadata, admin, callback, browser):
    redirect_uri = f"http://127.0.0.1:{callback}/web/cb"
    client = register(
        admin,
        {
            "appType": "web",
            "clientName": "Server-side site",
            "redirectUris": [redirect_uri],
            "allowedGrantTypes": ["client_credentials"],
        },
    )
    session = OAuth2Session(
        client["clientId"],
        client["clientSecret"],
        scope="openid email offline_access",
        token_endpoint_auth_method="client_secret_basic",
        code_challenge_method="S256",
    )
    returned, verifier, nonce = authorize_and_return(browser, session, metadata, redirect_uri)
    token = session.fetch_token(
        metadata["token_endpoint"], authorization_response=returned, code_verifier=verifier, redirect_uri=redirect_uri
    )
    validate_id_token(metadata, token, client["clientId"], nonce)
    check_refresh_and_userinfo(session, metadata, token)


def test_pages_need_no_script_and_fetch_nothing_from_elsewhere(metadata, admin, callback, browser):
    redirect_uri = f"http://127.0.0.1:{callback}/csp/cb"
    client = register(admin, {"appType": "spa", "clientName": "Headers", "redirectUris": [redirect_uri]})
    session = OAuth2Session(client["clientId"], scope="openid", code_challenge_method="S256")
    uri, _ = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=generate_token(48), redirect_uri=redirect_uri
    )
    browser.get(uri)
    WebDriverWait(browser, 15).until(ec.presence_of_element_located((By.NAME, "password")))
    assert browser.find_elements(By.TAG_NAME, "script") == []
    # Every resource the page loaded came from the server itself.
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(u.startswith(BASE) for u in loaded), loaded
