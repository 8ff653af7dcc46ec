//! The console's files, compiled into the binary (`include_bytes!` of each
//! file of `console/`; a test checks this list against the folder, so a file
//! cannot be forgotten). Nothing is read from disk at run time.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// One file of the console.
#[derive(Debug)]
pub struct Asset {
    /// The path below `/console/` (and below `console/` in the repository).
    pub path: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $type:expr) => {
        Asset {
            path: $path,
            content_type: $type,
            bytes: include_bytes!(concat!("../../console/", $path)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the console; `index.html` first.
pub static ASSETS: [Asset; 17] = [
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("assets/app.css", "text/css; charset=utf-8"),
    asset!("assets/icon.svg", "image/svg+xml"),
    asset!("assets/main.js", JS),
    asset!("assets/auth.js", JS),
    asset!("assets/api.js", JS),
    asset!("assets/dom.js", JS),
    asset!("assets/router.js", JS),
    asset!("assets/scim.js", JS),
    asset!("assets/layout.js", JS),
    asset!("assets/list.js", JS),
    asset!("assets/clients.js", JS),
    asset!("assets/client.js", JS),
    asset!("assets/client_form.js", JS),
    asset!("assets/secrets.js", JS),
    asset!("assets/users.js", JS),
    asset!("assets/audits.js", JS),
];

/// `index.html`, the answer to every console route.
pub fn index() -> &'static Asset {
    &ASSETS[0]
}

/// The file at `path` (below `/console/`), if there is one.
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

impl Asset {
    /// A strong validator: the first 128 bits of the file's SHA-256, quoted.
    pub fn etag(&self) -> &'static str {
        static TAGS: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
        TAGS.get_or_init(|| {
            ASSETS
                .iter()
                .map(|a| {
                    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, a.bytes);
                    let mut tag = String::from("\"");
                    for b in &digest.as_ref()[..16] {
                        let _ = write!(tag, "{b:02x}");
                    }
                    tag.push('"');
                    (a.path, tag)
                })
                .collect()
        })
        .get(self.path)
        .map_or("\"\"", String::as_str)
    }
}
