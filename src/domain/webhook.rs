//! Webhooks as the domain states them (contract §10): which targets are
//! acceptable, the secret and the signature of the Standard Webhooks
//! specification, and the retry schedule.
//!
//! A delivery carries `webhook-id` (the event id), `webhook-timestamp` (Unix
//! seconds of the attempt) and `webhook-signature`: `v1,` and the base64
//! HMAC-SHA256, under the tenant's secret, of `id.timestamp.body`.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;
use url::{Host, Url};

/// The prefix of a Standard Webhooks secret (`whsec_` + base64).
pub const SECRET_PREFIX: &str = "whsec_";
/// Bounds of a secret's decoded length, as Standard Webhooks recommends.
pub const SECRET_BYTES: std::ops::RangeInclusive<usize> = 24..=64;
/// Length of the secrets `registrar tenant webhook set` generates.
pub const GENERATED_SECRET_BYTES: usize = 32;
/// Longest target URL accepted.
pub const MAX_URL: usize = 2048;

/// The key of a tenant's webhook: the decoded bytes of its secret.
pub struct WebhookKey(Vec<u8>);

impl WebhookKey {
    /// Reads a secret in the Standard Webhooks format, `whsec_` followed by
    /// the base64 of 24 to 64 bytes (what the specification's libraries
    /// take on the receiving side).
    pub fn parse(text: &str) -> Result<WebhookKey, String> {
        let b64 = text.trim().strip_prefix(SECRET_PREFIX).ok_or_else(|| {
            format!("the secret must start with `{SECRET_PREFIX}` (the Standard Webhooks format)")
        })?;
        let bytes = STANDARD
            .decode(b64)
            .map_err(|_| format!("the secret after `{SECRET_PREFIX}` must be base64"))?;
        if !SECRET_BYTES.contains(&bytes.len()) {
            return Err(format!(
                "the secret must decode to {} to {} bytes, not {}",
                SECRET_BYTES.start(),
                SECRET_BYTES.end(),
                bytes.len()
            ));
        }
        Ok(WebhookKey(bytes))
    }

    /// A new random key.
    pub fn generate() -> Result<WebhookKey, String> {
        let mut bytes = vec![0u8; GENERATED_SECRET_BYTES];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| "the system RNG failed".to_owned())?;
        Ok(WebhookKey(bytes))
    }

    /// The key as stored.
    pub fn from_stored(bytes: Vec<u8>) -> WebhookKey {
        WebhookKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret in the format a receiver configures (`whsec_…`).
    pub fn to_secret_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// `webhook-signature` of one delivery.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(msg_id.as_bytes());
        ctx.update(b".");
        ctx.update(timestamp.to_string().as_bytes());
        ctx.update(b".");
        ctx.update(body);
        format!("v1,{}", STANDARD.encode(ctx.sign().as_ref()))
    }
}

impl std::fmt::Debug for WebhookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookKey(..)")
    }
}

/// Checks a webhook target: an absolute `http` or `https` URL without
/// credentials or fragment, whose host is not a loopback, private,
/// link-local or otherwise internal address (unless `allow_internal`).
/// Names are checked here as written; their addresses are checked again on
/// every delivery.
pub fn check_target(text: &str, allow_internal: bool) -> Result<Url, String> {
    if text.len() > MAX_URL {
        return Err(format!("the URL must be at most {MAX_URL} characters"));
    }
    let url = Url::parse(text).map_err(|e| format!("not an absolute URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the URL must be http or https".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL must not carry credentials (the signature authenticates)".into());
    }
    if url.fragment().is_some() {
        return Err("the URL must not have a fragment".into());
    }
    let internal = match url.host() {
        None => return Err("the URL has no host".into()),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
    };
    if internal && !allow_internal {
        return Err(
            "the URL's host is a loopback or private address (allowed only with --allow-loopback-webhooks)"
                .into(),
        );
    }
    Ok(url)
}

/// Whether an address is reachable on the public internet: not loopback,
/// private, link-local, shared (CGNAT), unspecified, multicast, broadcast or
/// reserved; IPv4-mapped and -compatible IPv6 addresses are judged by their
/// IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped().or_else(|| compatible_v4(v6)) {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn compatible_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    (s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified()).then(|| {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    })
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b);
    let reserved = a >= 240 || a == 0;
    let benchmarking = a == 198 && (b == 18 || b == 19);
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || shared
        || reserved
        || benchmarking)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00;
    let link_local = first & 0xffc0 == 0xfe80;
    let documentation = first == 0x2001 && ip.segments()[1] == 0x0db8;
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || unique_local
        || link_local
        || documentation)
}

/// The retry schedule of a delivery that failed `attempts` times (1 or
/// more): exponential from `initial`, capped at `cap`, and spread by
/// `jitter` (a number from 0 to 1) over the upper half of the delay, so
/// receivers coming back are not met by every retry at once.
pub fn retry_delay(attempts: u32, initial: Duration, cap: Duration, jitter: f64) -> Duration {
    let exp = attempts.saturating_sub(1).min(30);
    let full = initial.saturating_mul(1u32 << exp).min(cap);
    full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification's test vectors.
        let key = WebhookKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            key.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(
            key.to_secret_text(),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        );
    }

    #[test]
    fn secrets_must_be_whsec_base64_of_24_to_64_bytes() {
        assert!(WebhookKey::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(WebhookKey::parse("whsec_not base64!").is_err());
        assert!(WebhookKey::parse("whsec_c2hvcnQ=").is_err(), "5 bytes");
        let generated = WebhookKey::generate().unwrap();
        let again = WebhookKey::parse(&generated.to_secret_text()).unwrap();
        assert_eq!(again.as_bytes(), generated.as_bytes());
        assert!(!format!("{generated:?}").contains(&generated.to_secret_text()[6..]));
    }

    #[test]
    fn targets_are_http_urls_of_public_hosts() {
        for ok in [
            "https://hooks.example.com/registrar",
            "http://8.8.8.8:8080/x",
            "https://[2606:4700::1111]/",
        ] {
            assert!(check_target(ok, false).is_ok(), "{ok}");
        }
        for internal in [
            "http://127.0.0.1:9000/",
            "http://localhost/",
            "http://api.localhost/",
            "http://10.1.2.3/",
            "http://192.168.0.1/",
            "http://172.16.0.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:10.0.0.1]/",
        ] {
            assert!(check_target(internal, false).is_err(), "{internal}");
            assert!(check_target(internal, true).is_ok(), "{internal} allowed");
        }
        for bad in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "example.com/hook",
            "https://user:pw@example.com/",
            "https://example.com/#frag",
        ] {
            assert!(check_target(bad, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap_with_jitter() {
        let (i, cap) = (Duration::from_secs(1), Duration::from_secs(600));
        assert_eq!(retry_delay(1, i, cap, 1.0), Duration::from_secs(1));
        assert_eq!(retry_delay(4, i, cap, 1.0), Duration::from_secs(8));
        assert_eq!(retry_delay(4, i, cap, 0.0), Duration::from_secs(4));
        assert_eq!(retry_delay(40, i, cap, 1.0), cap);
        assert!(retry_delay(40, i, cap, 0.3) < cap);
        assert!(retry_delay(40, i, cap, 0.3) >= cap / 2);
    }
}
