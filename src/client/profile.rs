//! Named profiles: one JSON file, `profiles.json`, in the user's
//! configuration directory (`REGISTRAR_CONFIG_DIR`, else
//! `$XDG_CONFIG_HOME/registrar`, else `~/.config/registrar`).
//!
//! A profile holds a server, the client that signs in to it, what is needed
//! to get a new token (a client secret, or the path of a private key), and
//! the current tokens. The file may hold a client secret, so it is created
//! with mode 0600 in a directory of mode 0700, and written atomically (a
//! temporary file beside it, then a rename), so a crash or a concurrent
//! command never leaves half a file.

use super::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "profiles.json";
pub const DEFAULT_PROFILE: &str = "default";

/// How a profile obtains its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// `client_credentials` with a client secret (HTTP Basic).
    ClientSecret,
    /// `client_credentials` with an RFC 7523 assertion signed by a private key.
    PrivateKeyJwt,
    /// Authorization code + PKCE in a browser; renewed by the refresh token.
    Browser,
}

/// One profile. No `Debug` that shows secrets: see the manual impl.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub server: String,
    pub auth: AuthMethod,
    pub client_id: String,
    pub token_endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Requested scope; absent means what the client is allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// Unix seconds, by the local clock when the token was received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |o: &Option<String>| o.as_ref().map(|_| "<redacted>");
        f.debug_struct("Profile")
            .field("server", &self.server)
            .field("auth", &self.auth)
            .field("client_id", &self.client_id)
            .field("client_secret", &redacted(&self.client_secret))
            .field("private_key_file", &self.private_key_file)
            .field("access_token", &redacted(&self.access_token))
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &redacted(&self.refresh_token))
            .finish_non_exhaustive()
    }
}

impl Profile {
    /// The access token, unless it is missing or expires within `margin` seconds.
    pub fn fresh_token(&self, now: i64, margin: i64) -> Option<&str> {
        let token = self.access_token.as_deref()?;
        let expires_at = self.expires_at?;
        (expires_at - margin > now).then_some(token)
    }
}

/// The whole file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ProfileFile {
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// Where the profile file lives.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
}

impl ProfileStore {
    /// The store of this user, from the environment.
    pub fn from_env() -> Result<ProfileStore, Error> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let dir = if let Some(dir) = var("REGISTRAR_CONFIG_DIR") {
            PathBuf::from(dir)
        } else if let Some(xdg) = var("XDG_CONFIG_HOME").filter(|p| Path::new(p).is_absolute()) {
            PathBuf::from(xdg).join("registrar")
        } else if let Some(home) = var("HOME") {
            PathBuf::from(home).join(".config").join("registrar")
        } else {
            return Err(Error::other(
                "cannot tell where to keep profiles: set REGISTRAR_CONFIG_DIR or HOME",
            ));
        };
        Ok(ProfileStore { dir })
    }

    pub fn at(dir: impl Into<PathBuf>) -> ProfileStore {
        ProfileStore { dir: dir.into() }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Reads the file; a missing file is an empty one.
    pub fn load(&self) -> Result<ProfileFile, Error> {
        let path = self.path();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ProfileFile::default()),
            Err(e) => return Err(Error::other(format!("cannot read {}: {e}", path.display()))),
        };
        // serde_json's messages may quote the offending value (a token, say):
        // only its position is shown.
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::other(format!(
                "{} is not a valid profile file (line {}, column {}); fix or delete it",
                path.display(),
                e.line(),
                e.column()
            ))
        })
    }

    /// Writes the whole file atomically, readable by its owner only.
    pub fn save(&self, file: &ProfileFile) -> Result<(), Error> {
        let bytes = serde_json::to_vec_pretty(file)
            .map_err(|_| Error::other("cannot encode the profile file"))?;
        write_private(&self.dir, &self.path(), &bytes)
            .map_err(|e| Error::other(format!("cannot write {}: {e}", self.path().display())))
    }

    /// Applies `change` to the freshly read file and writes it back, under
    /// the lock, so a profile another command changed meanwhile is kept.
    pub fn update(&self, change: impl FnOnce(&mut ProfileFile)) -> Result<(), Error> {
        let _lock = self.lock()?;
        self.update_locked(change)
    }

    /// `update` for a caller that holds the lock already.
    pub fn update_locked(&self, change: impl FnOnce(&mut ProfileFile)) -> Result<(), Error> {
        let mut file = self.load()?;
        change(&mut file);
        self.save(&file)
    }

    /// Waits for the lock other `registrar` processes take around a
    /// read-modify-write of the file (an advisory lock on `profiles.lock`,
    /// released when the value is dropped). Renewals take it too, so
    /// concurrent commands renew a token once, and never present one
    /// refresh token twice (which the server takes for a stolen token).
    pub fn lock(&self) -> Result<ProfileLock, Error> {
        let path = self.dir.join(LOCK_NAME);
        let fail = |e: std::io::Error| Error::other(format!("cannot lock {}: {e}", path.display()));
        create_private_dir(&self.dir).map_err(fail)?;
        let file = open_lock(&path).map_err(fail)?;
        file.lock().map_err(fail)?;
        Ok(ProfileLock { _file: file })
    }
}

const LOCK_NAME: &str = "profiles.lock";

/// Held while the profile file is read, changed and written.
pub struct ProfileLock {
    _file: std::fs::File,
}

#[cfg(unix)]
fn open_lock(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_lock(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

fn write_private(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    create_private_dir(dir)?;
    let tmp = dir.join(format!(
        ".{FILE_NAME}.{}.{}.tmp",
        std::process::id(),
        super::random_b64(6).unwrap_or_default()
    ));
    let result = (|| {
        let mut f = open_private(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    // The rename is durable once the directory is synced; failing to sync
    // it (some filesystems refuse) does not undo the write.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    // The umask can only take bits away; set the mode outright so an odd
    // umask cannot leave the owner unable to read the file either.
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(f)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile {
            server: "http://127.0.0.1:1".into(),
            auth: AuthMethod::ClientSecret,
            client_id: "c".into(),
            token_endpoint: "http://127.0.0.1:1/oauth/token".into(),
            revocation_endpoint: None,
            issuer: None,
            scope: None,
            client_secret: Some("s3cr3t".into()),
            private_key_file: None,
            key_id: None,
            alg: None,
            access_token: Some("tok".into()),
            expires_at: Some(1000),
            refresh_token: None,
        }
    }

    #[test]
    fn a_token_is_fresh_until_the_margin_before_it_expires() {
        let p = profile();
        assert_eq!(p.fresh_token(900, 30), Some("tok"));
        assert_eq!(p.fresh_token(970, 30), None);
        assert_eq!(p.fresh_token(1001, 0), None);
    }

    #[test]
    fn debug_never_shows_secrets() {
        let shown = format!("{:?}", profile());
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("\"tok\""),
            "{shown}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_0600_in_a_0700_directory_and_round_trips() {
        use std::os::unix::fs::PermissionsExt as _;
        let tmp = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(tmp.path().join("a/registrar"));
        store
            .update(|f| {
                f.profiles.insert("p".into(), profile());
            })
            .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&store.path()), 0o600);
        assert_eq!(mode(&tmp.path().join("a/registrar")), 0o700);
        let back = store.load().unwrap();
        assert_eq!(back.profiles["p"].client_secret.as_deref(), Some("s3cr3t"));
        let mut names: Vec<String> = std::fs::read_dir(tmp.path().join("a/registrar"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["profiles.json", "profiles.lock"],
            "no temporary file is left behind"
        );
        assert_eq!(mode(&tmp.path().join("a/registrar/profiles.lock")), 0o600);
    }

    #[test]
    fn a_corrupt_file_is_reported_without_its_content() {
        let tmp = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(tmp.path());
        std::fs::write(store.path(), br#"{"profiles":{"p":{"server":12345678}}}"#).unwrap();
        let e = store.load().unwrap_err().to_string();
        assert!(e.contains("line 1") && !e.contains("12345678"), "{e}");
    }
}
