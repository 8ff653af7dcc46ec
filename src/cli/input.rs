//! Input of the command-line client: secrets and passwords (a hidden prompt
//! on a terminal, else one line of stdin, or a file), JSON documents from a
//! file or `-`, and the confirmation before a deletion.

use crate::client::Error;
use serde_json::Value;
use std::io::{BufRead as _, IsTerminal as _, Read as _, Write as _};
use std::path::Path;

/// A secret from `file` (its first line), else a hidden prompt on a
/// terminal, else the first line of stdin. Never echoed, never logged.
pub fn read_secret(file: Option<&Path>, what: &str) -> Result<String, Error> {
    let raw = match file {
        Some(path) => std::fs::read_to_string(path).map_err(|e| {
            Error::other(format!(
                "cannot read the {what} from {}: {e}",
                path.display()
            ))
        })?,
        None if std::io::stdin().is_terminal() => {
            rpassword::prompt_password(format!("{what}: "))
                .map_err(|e| Error::other(format!("cannot read the {what}: {e}")))?
        }
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| Error::other(format!("cannot read the {what} from stdin: {e}")))?;
            line
        }
    };
    let secret = raw.lines().next().unwrap_or("").trim().to_owned();
    if secret.is_empty() {
        return Err(Error::usage(format!(
            "no {what} given: pipe it on stdin, type it at the prompt, or name a file"
        )));
    }
    Ok(secret)
}

/// A JSON document from a file, or from stdin when `source` is `-`.
pub fn read_json(source: &str) -> Result<Value, Error> {
    let (text, name) = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::other(format!("cannot read stdin: {e}")))?;
        (text, "stdin".to_owned())
    } else {
        let text = std::fs::read_to_string(source)
            .map_err(|e| Error::other(format!("cannot read {source}: {e}")))?;
        (text, source.to_owned())
    };
    serde_json::from_str(&text).map_err(|e| {
        Error::usage(format!(
            "{name} is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })
}

/// Public keys for `publicKeys` from a file holding a JWK, an array of JWKs
/// or a JWK Set (`{"keys":[…]}`).
pub fn read_public_keys(path: &str) -> Result<Vec<Value>, Error> {
    match read_json(path)? {
        Value::Array(keys) => Ok(keys),
        Value::Object(mut o) if o.contains_key("keys") => match o.remove("keys") {
            Some(Value::Array(keys)) => Ok(keys),
            _ => Err(Error::usage(format!(
                "{path}: `keys` must be an array of JWKs"
            ))),
        },
        v @ Value::Object(_) => Ok(vec![v]),
        _ => Err(Error::usage(format!(
            "{path}: expected a JWK, an array of JWKs or a JWK Set"
        ))),
    }
}

/// Asks on the terminal before deleting `id`; true when the user typed the
/// id or `y`.
pub fn confirm_delete(noun: &str, id: &str, label: &str) -> Result<bool, Error> {
    let mut stderr = std::io::stderr();
    let _ = write!(
        stderr,
        "Delete {noun} {id}{label}? This cannot be undone.\nType the {noun} id (or y) to confirm: "
    );
    let _ = stderr.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::other(format!("cannot read the answer: {e}")))?;
    let answer = answer.trim();
    Ok(answer == id || answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes"))
}
