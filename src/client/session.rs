//! A signed-in profile: sends management-API requests with its bearer token,
//! renews the token when it expires (or is about to), and on a 401 gets a
//! new one and tries once more.
//!
//! Tokens are renewed the way the profile signed in: client credentials
//! again with the stored secret or private key, or the refresh-token grant
//! after a browser sign-in. Every renewal is written back to the profile
//! file before it is used.

use super::assertion::{Alg, SigningKey};
use super::oauth::{self, ClientAuth, Grant};
use super::profile::{AuthMethod, Profile, ProfileStore};
use super::{Error, http};
use reqwest::Method;
use serde_json::Value;

/// A token that expires within this many seconds is renewed first.
pub const RENEW_MARGIN_SECS: i64 = 30;

pub struct Session {
    client: reqwest::Client,
    store: ProfileStore,
    name: String,
    profile: Profile,
}

/// A request that can be sent again after a renewal.
pub struct Call<'a> {
    pub method: Method,
    pub url: url::Url,
    pub json: Option<&'a Value>,
    pub content_type: Option<&'static str>,
    pub headers: Vec<(&'static str, String)>,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, url: url::Url) -> Call<'a> {
        Call {
            method,
            url,
            json: None,
            content_type: None,
            headers: Vec::new(),
        }
    }
}

/// A 2xx answer.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON; an empty body is `null`.
    pub fn json(&self) -> Result<Value, Error> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|_| {
            Error::other(format!(
                "the server answered {} with a body that is not JSON",
                self.status
            ))
        })
    }
}

impl Session {
    /// The profile `name`; an error says how to sign in when there is none.
    pub fn open(store: ProfileStore, name: &str) -> Result<Session, Error> {
        let file = store.load()?;
        let Some(profile) = file.profiles.get(name).cloned() else {
            return Err(Error::other(format!(
                "not logged in: there is no profile `{name}` in {}; run `registrar login --server URL --client-id ID` (with --profile {name} for this profile)",
                store.path().display()
            )));
        };
        Ok(Session {
            client: http::client()?,
            store,
            name: name.to_owned(),
            profile,
        })
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The server's base URL.
    pub fn server(&self) -> Result<url::Url, Error> {
        url::Url::parse(&self.profile.server)
            .map_err(|_| Error::other(format!("profile `{}` has an invalid server URL", self.name)))
    }

    /// Sends `call` with a valid token; renews and retries once on a 401.
    pub async fn send(&mut self, call: &Call<'_>) -> Result<Answer, Error> {
        let token = self.token(false).await?;
        let res = http::send(self.build(call, &token)).await?;
        let res = if res.status() == reqwest::StatusCode::UNAUTHORIZED {
            let token = self.token(true).await?;
            http::send(self.build(call, &token)).await?
        } else {
            res
        };
        let res = http::check(res).await?;
        let status = res.status().as_u16();
        Ok(Answer {
            status,
            body: http::body(res).await?,
        })
    }

    fn build(&self, call: &Call<'_>, token: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .client
            .request(call.method.clone(), call.url.clone())
            .bearer_auth(token);
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        if let Some(json) = call.json {
            request = request
                .header(
                    "content-type",
                    call.content_type.unwrap_or("application/json"),
                )
                .body(json.to_string());
        }
        request
    }

    /// The access token, renewed first when `force` or when it is about to expire.
    async fn token(&mut self, force: bool) -> Result<String, Error> {
        let now = super::now_unix();
        if !force && let Some(t) = self.profile.fresh_token(now, RENEW_MARGIN_SECS) {
            return Ok(t.to_owned());
        }
        // Under the lock, another command may have renewed already: its
        // token is taken unless it is the one the server just refused, and
        // its refresh token (rotated on every use) is the one to present.
        let _lock = self.store.lock()?;
        let Some(stored) = self.store.load()?.profiles.remove(&self.name) else {
            return Err(Error::other(format!(
                "profile `{}` was logged out meanwhile",
                self.name
            )));
        };
        let refused = force.then(|| self.profile.access_token.clone()).flatten();
        if let Some(t) = stored.fresh_token(now, RENEW_MARGIN_SECS)
            && refused.as_deref() != Some(t)
        {
            let token = t.to_owned();
            self.profile = stored;
            return Ok(token);
        }
        self.profile.refresh_token = stored.refresh_token;
        let grant = obtain(&self.client, &self.profile).await?;
        apply_grant(&mut self.profile, &grant);
        let (name, profile) = (self.name.clone(), self.profile.clone());
        self.store.update_locked(|f| {
            f.profiles.insert(name, profile);
        })?;
        Ok(grant.access_token)
    }
}

/// Records a new token (and a rotated refresh token) in the profile.
pub fn apply_grant(profile: &mut Profile, grant: &Grant) {
    profile.access_token = Some(grant.access_token.clone());
    profile.expires_at = Some(grant.expires_at);
    if let Some(rt) = &grant.refresh_token {
        profile.refresh_token = Some(rt.clone());
    }
}

/// Gets a new token the way `profile` signed in.
pub async fn obtain(client: &reqwest::Client, profile: &Profile) -> Result<Grant, Error> {
    let endpoint = profile.token_endpoint.as_str();
    let mut params = vec![("grant_type", "client_credentials")];
    if let Some(scope) = &profile.scope {
        params.push(("scope", scope));
    }
    match profile.auth {
        AuthMethod::ClientSecret => {
            let secret = profile.client_secret.as_deref().ok_or_else(|| {
                Error::other("the profile has no client secret; run `registrar login` again")
            })?;
            let auth = ClientAuth::Secret {
                client_id: &profile.client_id,
                secret,
            };
            oauth::token(client, endpoint, &auth, &params).await
        }
        AuthMethod::PrivateKeyJwt => {
            let auth = assertion_auth(profile)?;
            oauth::token(client, endpoint, &auth, &params).await
        }
        AuthMethod::Browser => refresh(client, profile).await,
    }
}

/// Client authentication by a fresh assertion from the profile's key.
pub fn assertion_auth(profile: &Profile) -> Result<ClientAuth<'_>, Error> {
    let path = profile.private_key_file.as_deref().ok_or_else(|| {
        Error::other("the profile has no private key file; run `registrar login` again")
    })?;
    let alg = profile.alg.as_deref().map(Alg::parse).transpose()?;
    let key = SigningKey::load(path, alg)?;
    let assertion = key.assertion(
        &profile.client_id,
        profile.key_id.as_deref(),
        &profile.token_endpoint,
        super::now_unix(),
    )?;
    Ok(ClientAuth::Assertion {
        client_id: &profile.client_id,
        assertion,
    })
}

async fn refresh(client: &reqwest::Client, profile: &Profile) -> Result<Grant, Error> {
    let again = "the browser sign-in has expired; run `registrar login --browser` again";
    let rt = profile
        .refresh_token
        .as_deref()
        .ok_or_else(|| Error::other(again))?;
    let auth = ClientAuth::Public {
        client_id: &profile.client_id,
    };
    let params = [("grant_type", "refresh_token"), ("refresh_token", rt)];
    oauth::token(client, &profile.token_endpoint, &auth, &params)
        .await
        .map_err(|e| match e.oauth_code() {
            Some("invalid_grant") => Error::other(again),
            _ => e,
        })
}
