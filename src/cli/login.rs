//! `registrar login` and `registrar logout`.

use super::remote_opts::RemoteOpts;
use super::{input, output, signin};
use crate::client::oauth::{self, ClientAuth};
use crate::client::profile::{AuthMethod, Profile, ProfileStore};
use crate::client::session::{apply_grant, assertion_auth, obtain};
use crate::client::{Error, http};
use clap::Args;
use std::path::PathBuf;

pub const LOGIN_ABOUT: &str = "\
Sign in to a Registrar server and keep the tokens in a profile.

With client credentials (a `web` client allowing client_credentials), the
secret is read from stdin (a hidden prompt on a terminal) or from
--client-secret-file, or the client authenticates with --private-key
(private_key_jwt). With --browser a person signs in through a `native`
client (authorization code + PKCE, redirect to http://127.0.0.1:PORT/callback
on a random port; register http://127.0.0.1/callback on the client).

Profiles live in profiles.json in $REGISTRAR_CONFIG_DIR, else
$XDG_CONFIG_HOME/registrar, else ~/.config/registrar; the file is created
with mode 0600 in a directory of mode 0700.
With a client secret, THE SECRET ITSELF IS STORED in that file, so that new
tokens can be obtained without asking again; with --private-key only the
key's path is stored; after a browser sign-in, the refresh token.
Tokens are renewed when they expire.";

pub const LOGIN_EXAMPLES: &str = "\
Examples:
  echo \"$SECRET\" | registrar login --server https://auth.example.com --client-id $ID
  registrar login --server https://auth.example.com --client-id $ID --client-secret-file secret.txt
  registrar login --server https://auth.example.com --client-id $ID --private-key key.pem --key-id k1
  registrar login --server https://auth.example.com --browser --client-id $NATIVE_ID
  registrar login --profile staging --server https://staging.example.com --client-id $ID < secret.txt";

pub const LOGOUT_EXAMPLES: &str = "\
Examples:
  registrar logout
  registrar logout --profile staging";

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Base URL of the server, e.g. https://auth.example.com.
    #[arg(long, env = "REGISTRAR_SERVER")]
    pub server: String,
    /// The client to sign in with.
    #[arg(long)]
    pub client_id: String,
    /// Read the client secret from this file (its first line) instead of stdin.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["private_key", "browser"])]
    pub client_secret_file: Option<PathBuf>,
    /// Authenticate with private_key_jwt using this RSA or P-384 private key
    /// (PEM or DER); only its path is stored.
    #[arg(long, value_name = "FILE", conflicts_with = "browser")]
    pub private_key: Option<PathBuf>,
    /// The `kid` of the key on the client (without it the server tries the
    /// client's keys of the algorithm).
    #[arg(long, requires = "private_key")]
    pub key_id: Option<String>,
    /// Assertion algorithm: RS256 (the default for RSA keys), RS512, or ES384 (P-384 keys).
    #[arg(long, requires = "private_key", value_parser = ["RS256", "RS512", "ES384"])]
    pub alg: Option<String>,
    /// Sign a person in with a browser, through a `native` client.
    #[arg(long)]
    pub browser: bool,
    /// Scopes to ask for, space-separated [default: all the client may have;
    /// with --browser the management scopes]; --browser always adds offline_access.
    #[arg(long)]
    pub scope: Option<String>,
    /// With --browser: do not start a browser, only print the URL to open.
    #[arg(long, requires = "browser")]
    pub no_open: bool,
    /// With --browser: seconds to wait for the sign-in.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    #[command(flatten)]
    pub opts: RemoteOpts,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    #[command(flatten)]
    pub opts: RemoteOpts,
}

/// The server's base URL: http or https, no credentials, query or fragment.
pub fn server_url(given: &str) -> Result<String, Error> {
    let url = url::Url::parse(given.trim()).map_err(|_| {
        Error::usage(format!(
            "--server `{given}` is not an absolute URL such as https://auth.example.com"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::usage("--server must be an http:// or https:// URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::usage(
            "--server must not carry credentials; use --client-id and a secret",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::usage("--server must not have a query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn is_loopback(server: &str) -> bool {
    url::Url::parse(server)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .is_some_and(|h| {
            h == "localhost"
                || h == "[::1]"
                || h.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        })
}

pub async fn login(args: LoginArgs) -> Result<(), Error> {
    let server = server_url(&args.server)?;
    if server.starts_with("http://") && !is_loopback(&server) {
        output::note(
            "warning: --server is plain http: credentials and tokens cross the network unencrypted",
        );
    }
    let store = ProfileStore::from_env()?;
    let client = http::client()?;
    let meta = oauth::discover(&client, &server).await?;
    let mut profile = Profile {
        server: server.clone(),
        auth: AuthMethod::ClientSecret,
        client_id: args.client_id.clone(),
        token_endpoint: meta.token_endpoint.clone(),
        revocation_endpoint: meta.revocation_endpoint.clone(),
        issuer: meta.issuer.clone(),
        scope: args.scope.clone(),
        client_secret: None,
        private_key_file: None,
        key_id: args.key_id.clone(),
        alg: args.alg.clone(),
        access_token: None,
        expires_at: None,
        refresh_token: None,
    };
    if args.browser {
        let how = signin::How {
            scope: args.scope.as_deref(),
            open: !args.no_open,
            timeout: std::time::Duration::from_secs(args.timeout),
        };
        signin::browser(&client, &meta, &mut profile, &how).await?;
    } else {
        if let Some(path) = &args.private_key {
            profile.auth = AuthMethod::PrivateKeyJwt;
            profile.private_key_file = Some(std::path::absolute(path)?);
        } else {
            profile.client_secret = Some(input::read_secret(
                args.client_secret_file.as_deref(),
                "client secret",
            )?);
        }
        let grant = obtain(&client, &profile).await?;
        apply_grant(&mut profile, &grant);
    }
    let name = args.opts.profile.clone();
    let expires = profile.expires_at.map(rfc3339).unwrap_or_default();
    store.update(|f| {
        f.profiles.insert(name.clone(), profile);
    })?;
    output::note(&format!(
        "Logged in to {server} as {} (profile `{name}`, {}); the access token expires at {expires}.",
        args.client_id,
        store.path().display()
    ));
    Ok(())
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// Revokes the profile's tokens where the server allows it, then removes the
/// profile (tokens and credentials alike): afterwards nothing signs in
/// silently with it.
pub async fn logout(args: LogoutArgs) -> Result<(), Error> {
    let store = ProfileStore::from_env()?;
    let name = args.opts.profile;
    let Some(profile) = store.load()?.profiles.remove(&name) else {
        output::note(&format!("profile `{name}` is not logged in; nothing to do"));
        return Ok(());
    };
    if let Err(e) = revoke(&profile).await {
        output::note(&format!(
            "warning: the server did not revoke the token ({e}); it stays valid until it expires"
        ));
    }
    store.update(|f| {
        f.profiles.remove(&name);
    })?;
    output::note(&format!(
        "Logged out: profile `{name}` and its tokens and credentials are removed."
    ));
    Ok(())
}

async fn revoke(profile: &Profile) -> Result<(), Error> {
    let Some(endpoint) = profile.revocation_endpoint.as_deref() else {
        return Ok(());
    };
    let client = http::client()?;
    let tokens = [
        (profile.refresh_token.as_deref(), "refresh_token"),
        (profile.access_token.as_deref(), "access_token"),
    ];
    for (token, hint) in tokens {
        let Some(token) = token else { continue };
        let auth = match profile.auth {
            AuthMethod::ClientSecret => ClientAuth::Secret {
                client_id: &profile.client_id,
                secret: profile.client_secret.as_deref().unwrap_or_default(),
            },
            AuthMethod::PrivateKeyJwt => assertion_auth(profile)?,
            AuthMethod::Browser => ClientAuth::Public {
                client_id: &profile.client_id,
            },
        };
        oauth::revoke(&client, endpoint, &auth, token, hint).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_checked_and_normalised() {
        assert_eq!(
            server_url("https://auth.example.com/").unwrap(),
            "https://auth.example.com"
        );
        assert_eq!(
            server_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            server_url("https://x.example/registrar/").unwrap(),
            "https://x.example/registrar"
        );
        for bad in [
            "auth.example.com",
            "ftp://x",
            "https://u:p@x",
            "https://x/?a=b",
            "https://x/#f",
        ] {
            assert_eq!(server_url(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        for (s, expected) in [
            ("http://127.0.0.1:1", true),
            ("http://localhost:1", true),
            ("http://[::1]:1", true),
            ("http://auth.example.com", false),
        ] {
            assert_eq!(is_loopback(s), expected, "{s}");
        }
    }
}
