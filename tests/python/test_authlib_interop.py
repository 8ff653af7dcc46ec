"""Interoperability of Registrar's token service with Authlib, an OAuth
client library none of us wrote.

Run by tests/api/interop.rs against a real server, which passes its base URL
and a tenant admin's credentials in REGISTRAR_BASE_URL, REGISTRAR_ADMIN_ID and
REGISTRAR_ADMIN_SECRET. Keys are made here with joserfc/cryptography, and
clients registered through the management API, so nothing comes from the
Rust side but the server itself.
"""

import os
import time
from datetime import datetime

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from joserfc.jwk import ECKey, RSAKey

# The server listens on plain HTTP on loopback.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

BASE = os.environ["REGISTRAR_BASE_URL"]
TOKEN_URL = BASE + "/oauth/token"
INTROSPECT_URL = BASE + "/oauth/introspect"
REVOKE_URL = BASE + "/oauth/revoke"
CLIENTS_URL = BASE + "/api/core/oauth-clients"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture(scope="module")
def admin():
    session = OAuth2Session(
        os.environ["REGISTRAR_ADMIN_ID"],
        os.environ["REGISTRAR_ADMIN_SECRET"],
        token_endpoint_auth_method="client_secret_basic",
    )
    session.fetch_token(TOKEN_URL, grant_type="client_credentials")
    return session


def register(admin, methods, keys=()):
    body = {
        "appType": "web",
        "clientName": "authlib interop",
        "allowedGrantTypes": ["client_credentials"],
        "allowedAuthMethods": methods,
        "allowedScopes": ["oauth-clients:read"],
    }
    if keys:
        body["publicKeys"] = list(keys)
    res = admin.post(CLIENTS_URL, json=body)
    assert res.status_code == 201, res.text
    return res.json()


def new_key(alg):
    """A private key and its public JWK as Registrar registers it."""
    if alg == "ES384":
        key = ECKey.generate_key("P-384")
        public = key.as_dict(private=False)
        jwk = {"kty": "EC", "crv": "P-384", "x": public["x"], "y": public["y"]}
    else:
        key = RSAKey.generate_key(2048)
        public = key.as_dict(private=False)
        jwk = {"kty": "RSA", "n": public["n"], "e": public["e"]}
    jwk.update({"use": "sig", "alg": alg, "kid": "authlib-" + alg.lower()})
    return key, jwk


def uses_management_api(session, client_id):
    """The token works on the management API (read scope)."""
    res = session.get(CLIENTS_URL + "/" + client_id)
    assert res.status_code == 200, res.text
    assert res.json()["clientId"] == client_id


def short_lived():
    # Authlib's default assertion lives an hour; Registrar accepts at most
    # five minutes. A fresh dict each time: Authlib stores the jti it adds
    # in the dict it is given.
    return {"exp": int(time.time()) + 120}


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_client_secret_methods_get_a_token_that_works(admin, method):
    client = register(admin, ["client_secret"])
    session = OAuth2Session(
        client["clientId"], client["clientSecret"], token_endpoint_auth_method=method
    )
    token = session.fetch_token(TOKEN_URL, grant_type="client_credentials")
    assert token["token_type"].lower() == "bearer"
    assert token["scope"] == "oauth-clients:read"
    # The server sends expires_at as an RFC 3339 string (contract §5);
    # Authlib cannot read it as an integer and derives its own from
    # expires_in, which must agree with the server's within clock noise.
    assert isinstance(token["expires_at"], int)
    raw = requests.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        auth=(client["clientId"], client["clientSecret"]),
    ).json()
    assert isinstance(raw["expires_at"], str), raw
    server_exp = datetime.fromisoformat(raw["expires_at"]).timestamp()
    assert raw["expires_at"].endswith("Z"), raw
    assert abs(server_exp - token["expires_at"]) <= 5, (raw, token)
    assert not token.is_expired()
    uses_management_api(session, client["clientId"])


@pytest.mark.parametrize("alg", ["RS256", "RS512", "ES384"])
@pytest.mark.parametrize("with_kid", [True, False])
def test_private_key_jwt_gets_a_token_that_works(admin, alg, with_kid):
    key, jwk = new_key(alg)
    client = register(admin, ["private_key_jwt"], [jwk])
    auth = PrivateKeyJWT(
        TOKEN_URL,
        claims=short_lived(),
        headers={"kid": jwk["kid"]} if with_kid else None,
        alg=alg,
    )
    session = OAuth2Session(client["clientId"], key, token_endpoint_auth_method=auth)
    token = session.fetch_token(TOKEN_URL, grant_type="client_credentials")
    assert token["scope"] == "oauth-clients:read"
    uses_management_api(session, client["clientId"])


def test_introspection_and_revocation(admin):
    client = register(admin, ["client_secret"])
    session = OAuth2Session(client["clientId"], client["clientSecret"])
    token = session.fetch_token(TOKEN_URL, grant_type="client_credentials")
    access = token["access_token"]
    info = session.introspect_token(INTROSPECT_URL, token=access).json()
    assert info["active"] is True
    assert info["client_id"] == client["clientId"]
    res = session.revoke_token(REVOKE_URL, token=access)
    assert res.status_code == 200
    assert session.introspect_token(INTROSPECT_URL, token=access).json() == {"active": False}
    res = requests.get(CLIENTS_URL, headers={"Authorization": "Bearer " + access})
    assert res.status_code == 401


@pytest.fixture(scope="module")
def key_client(admin):
    key, jwk = new_key("RS256")
    client = register(admin, ["private_key_jwt"], [jwk])
    return client["clientId"], key, jwk


def assertion(key, client_id, kid, aud=TOKEN_URL, claims=None, alg="RS256"):
    claims = dict(claims or short_lived())
    return private_key_jwt_sign(
        key, client_id, aud, alg=alg, claims=claims, header={"kid": kid}
    )


def post_assertion(signed):
    return requests.post(
        TOKEN_URL,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": signed,
        },
    )


def assert_refused(res):
    assert res.status_code == 401, res.text
    assert res.json()["error"] == "invalid_client"


def test_a_valid_assertion_is_accepted_once_and_a_replay_is_refused(key_client):
    client_id, key, jwk = key_client
    signed = assertion(key, client_id, jwk["kid"])
    res = post_assertion(signed)
    assert res.status_code == 200, res.text
    assert_refused(post_assertion(signed))


def test_an_assertion_signed_by_another_key_is_refused(key_client):
    client_id, _, jwk = key_client
    other, _ = new_key("RS256")
    assert_refused(post_assertion(assertion(other, client_id, jwk["kid"])))


def test_an_assertion_for_another_audience_is_refused(key_client):
    client_id, key, jwk = key_client
    signed = assertion(key, client_id, jwk["kid"], aud="https://elsewhere.example/oauth/token")
    assert_refused(post_assertion(signed))


def test_an_expired_assertion_is_refused(key_client):
    client_id, key, jwk = key_client
    now = int(time.time())
    signed = assertion(key, client_id, jwk["kid"], claims={"iat": now - 600, "exp": now - 120})
    assert_refused(post_assertion(signed))


def test_a_far_future_assertion_is_refused(key_client):
    client_id, key, jwk = key_client
    signed = assertion(key, client_id, jwk["kid"], claims={"exp": int(time.time()) + 3600})
    assert_refused(post_assertion(signed))


def test_authlib_default_one_hour_assertion_is_refused(key_client):
    client_id, key, jwk = key_client
    auth = PrivateKeyJWT(TOKEN_URL, headers={"kid": jwk["kid"]})
    session = OAuth2Session(client_id, key, token_endpoint_auth_method=auth)
    with pytest.raises(OAuthError) as refused:
        session.fetch_token(TOKEN_URL, grant_type="client_credentials")
    assert refused.value.error == "invalid_client"
