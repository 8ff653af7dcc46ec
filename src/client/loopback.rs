//! The loopback side of the browser sign-in (RFC 8252 §7.3): a listener on
//! `127.0.0.1` and a random port that waits for the browser's redirect, and
//! opening the system browser.

use super::Error;
use super::browser::{CALLBACK_PATH, Refusal, check_redirect, parse_request};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// Longest request head read from the browser.
const MAX_HEAD: usize = 8 * 1024;
/// Time one connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Loopback {
    listener: TcpListener,
    pub redirect_uri: String,
}

/// What the sign-in expects of the redirect.
pub struct Expect<'a> {
    pub state: &'a str,
    pub issuer: Option<&'a str>,
    pub iss_required: bool,
}

impl Loopback {
    /// Binds `127.0.0.1:0` (an IP literal, not `localhost`, as RFC 8252 §8.3 advises).
    pub async fn bind() -> Result<Loopback, Error> {
        let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| {
            Error::other(format!(
                "cannot listen on 127.0.0.1 for the sign-in redirect: {e}"
            ))
        })?;
        let port = listener.local_addr()?.port();
        Ok(Loopback {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}{CALLBACK_PATH}"),
        })
    }

    /// Waits up to `timeout` for the redirect of this sign-in; returns its code.
    pub async fn wait(&self, expect: &Expect<'_>, timeout: Duration) -> Result<String, Error> {
        tokio::time::timeout(timeout, self.accept_until_answered(expect))
            .await
            .map_err(|_| {
                Error::other(format!(
                    "no sign-in answer within {} seconds; run `registrar login --browser` again",
                    timeout.as_secs()
                ))
            })?
    }

    async fn accept_until_answered(&self, expect: &Expect<'_>) -> Result<String, Error> {
        loop {
            let Ok((mut stream, _)) = self.listener.accept().await else {
                continue;
            };
            let Ok(Ok(head)) = tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await
            else {
                continue;
            };
            let redirect = match parse_request(&head) {
                Ok(r) if r.path == CALLBACK_PATH => r,
                Ok(_) => {
                    respond(&mut stream, "404 Not Found", "Nothing here.").await;
                    continue;
                }
                Err(_) => {
                    respond(&mut stream, "400 Bad Request", "Not a sign-in answer.").await;
                    continue;
                }
            };
            match check_redirect(&redirect, expect.state, expect.issuer, expect.iss_required) {
                Ok(code) => {
                    respond(
                        &mut stream,
                        "200 OK",
                        "Signed in. You can close this window and return to the terminal.",
                    )
                    .await;
                    return Ok(code);
                }
                Err(Refusal::NotOurs) => {
                    respond(
                        &mut stream,
                        "400 Bad Request",
                        "This answer does not belong to the sign-in in progress.",
                    )
                    .await;
                }
                Err(Refusal::Failed(e)) => {
                    respond(
                        &mut stream,
                        "400 Bad Request",
                        "The sign-in failed; see the terminal.",
                    )
                    .await;
                    return Err(e);
                }
            }
        }
    }
}

async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while buf.len() < MAX_HEAD && !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

async fn respond(stream: &mut TcpStream, status: &str, message: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>registrar login</title></head>\
         <body><p>{message}</p></body></html>"
    );
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Asks the desktop to open `url` (`xdg-open`, or `open` on macOS); false
/// when there is no such program. The URL is printed in any case.
pub fn open_browser(url: &str) -> bool {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(unix) {
        "xdg-open"
    } else {
        return false;
    };
    let child = std::process::Command::new(program)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match child {
        Ok(mut child) => {
            // Reaped on a thread so it never lingers as a zombie.
            std::thread::spawn(move || child.wait());
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(uri: &str, path: &str) -> String {
        let addr = uri
            .trim_start_matches("http://")
            .trim_end_matches(CALLBACK_PATH)
            .to_owned();
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn the_listener_ignores_strangers_and_returns_the_code_of_its_own_redirect() {
        let lb = Loopback::bind().await.unwrap();
        assert!(
            lb.redirect_uri.starts_with("http://127.0.0.1:")
                && lb.redirect_uri.ends_with("/callback")
        );
        let uri = lb.redirect_uri.clone();
        let browser = tokio::spawn(async move {
            let a = get(&uri, "/favicon.ico").await;
            let b = get(&uri, "/callback?code=stolen&state=guess").await;
            let c = get(&uri, "/callback?code=the-code&state=s1").await;
            (a, b, c)
        });
        let expect = Expect {
            state: "s1",
            issuer: None,
            iss_required: false,
        };
        let code = lb.wait(&expect, Duration::from_secs(10)).await.unwrap();
        assert_eq!(code, "the-code");
        let (a, b, c) = browser.await.unwrap();
        assert!(a.starts_with("HTTP/1.1 404"), "{a}");
        assert!(b.starts_with("HTTP/1.1 400"), "{b}");
        assert!(
            c.starts_with("HTTP/1.1 200") && c.contains("Signed in"),
            "{c}"
        );
    }

    #[tokio::test]
    async fn waiting_ends_with_a_message_after_the_timeout() {
        let lb = Loopback::bind().await.unwrap();
        let expect = Expect {
            state: "s",
            issuer: None,
            iss_required: false,
        };
        let e = lb
            .wait(&expect, Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no sign-in answer"), "{e}");
    }
}
