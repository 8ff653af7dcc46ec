//! Bare-axum hello world: the baseline every benchmark compares against.
//! Same runtime and server as registrar, no middleware, no database.
//!
//! `cargo run --release --example hello -- 127.0.0.1:0` prints
//! `listening on http://ADDR` on stderr like `registrar serve`.

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let app = Router::new().route(
        "/",
        get(|| async { "hello" })
            .post(|body: axum::body::Bytes| async move { format!("{}", body.len()) }),
    );
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
