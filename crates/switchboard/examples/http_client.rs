//! Fetch a URL with retries, a timeout and the SSRF guard: `cargo run -p switchboard --example http_client -- URL`.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example prints its result"
)]

use std::time::Duration;

use switchboard::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: http_client URL");
        std::process::exit(2);
    };
    let client = Client::builder()
        .timeout(Some(Duration::from_secs(10)))
        .retry(RetryPolicy::default().max_attempts(3))
        .net_policy(NetPolicy::public_only())
        .build()?;
    let response = client.get(&url).send().await?;
    println!("{} from {}", response.status(), response.url_redacted());
    let body = response.text().await?;
    println!("{} bytes", body.len());
    Ok(())
}
