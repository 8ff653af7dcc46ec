//! Benchmark helper: makes an RS256 client key and pre-signs many
//! `private_key_jwt` client assertions, each with its own `jti`, because a wrk
//! Lua script cannot sign JWTs (bench/tokens.sh).
//!
//! `sign_assertions keygen DIR` writes `DIR/key.pk8` (PKCS#8) and
//! `DIR/jwk.json` (the public JWK to register, kid `bench`).
//! `sign_assertions sign DIR CLIENT_ID AUDIENCE COUNT` writes `COUNT`
//! assertions, one per line, to `DIR/assertions.txt`; each expires five
//! minutes after it was signed.

use aws_lc_rs::rsa::{KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use std::io::Write;
use std::path::Path;

fn keygen(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    use aws_lc_rs::encoding::AsDer;
    let kp = RsaKeyPair::generate(KeySize::Rsa2048)?;
    let c: PublicKeyComponents<Vec<u8>> = kp.public_key().into();
    std::fs::write(dir.join("key.pk8"), kp.as_der()?.as_ref())?;
    let jwk = serde_json::json!({"kty":"RSA","use":"sig","alg":"RS256","kid":"bench","n":B64.encode(&c.n),"e":B64.encode(&c.e)});
    std::fs::write(dir.join("jwk.json"), jwk.to_string())?;
    Ok(())
}

fn sign_range(
    kp: &RsaKeyPair,
    client_id: &str,
    aud: &str,
    range: std::ops::Range<usize>,
) -> Vec<String> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let header = B64.encode(br#"{"alg":"RS256","typ":"JWT","kid":"bench"}"#);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let mut sig = vec![0u8; kp.public_modulus_len()];
    range
        .map(|i| {
            let claims = serde_json::json!({"iss":client_id,"sub":client_id,"aud":aud,"iat":now,"exp":now + 300,"jti":format!("bench-{now}-{i}")});
            let input = format!("{header}.{}", B64.encode(claims.to_string()));
            kp.sign(&RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut sig)
                .expect("RSA signing");
            format!("{input}.{}", B64.encode(&sig))
        })
        .collect()
}

fn sign(
    dir: &Path,
    client_id: &str,
    aud: &str,
    count: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let kp = RsaKeyPair::from_pkcs8(&std::fs::read(dir.join("key.pk8"))?)?;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let per = count.div_ceil(threads);
    let parts: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let kp = &kp;
                let range = (t * per).min(count)..((t + 1) * per).min(count);
                s.spawn(move || sign_range(kp, client_id, aud, range))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("signing thread"))
            .collect()
    });
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("assertions.txt"))?);
    for line in parts.iter().flatten() {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("keygen") if args.len() == 3 => keygen(Path::new(&args[2])),
        Some("sign") if args.len() == 6 => {
            sign(Path::new(&args[2]), &args[3], &args[4], args[5].parse()?)
        }
        _ => Err("usage: sign_assertions keygen DIR | sign DIR CLIENT_ID AUDIENCE COUNT".into()),
    }
}
