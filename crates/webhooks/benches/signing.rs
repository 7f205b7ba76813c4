//! Standard Webhooks v1 sign and verify against a bare `ring::hmac` over the same bytes.
//!
//! Besides the criterion groups, `cargo bench` prints a paired comparison: the three variants run
//! interleaved in short rounds and each keeps its fastest round, so load from other processes
//! (which hits the variants unevenly in sequential criterion runs) cancels out of the ratio.

#![allow(clippy::unwrap_used)]
// The paired comparison's table is this binary's output.
#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant, UNIX_EPOCH};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use http::HeaderMap;
use http::header::{ACCEPT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderValue, USER_AGENT};
use ring::hmac;
use switchboard_webhooks::sign::{
    SignedHeaders, StandardSigner, StandardVerifier, Verifier, WebhookSecret,
};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TS: u64 = 1_614_265_330;
const TS_TEXT: &str = "1614265330";
const SIZES: [usize; 3] = [256, 1024, 64 * 1024];

struct Fixture {
    bare_key: hmac::Key,
    signer: StandardSigner,
    verifier: StandardVerifier,
    body: Vec<u8>,
    /// What the scheme signs, `id.timestamp.body`, as one buffer for the bare HMAC.
    content: Vec<u8>,
    headers: HeaderMap,
    signature: String,
}

fn fixture(size: usize) -> Fixture {
    let secret = WebhookSecret::parse(SECRET).unwrap();
    let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let mut content = format!("{MSG_ID}.{TS}.").into_bytes();
    content.extend_from_slice(&body);
    let signer = StandardSigner::new(secret.clone());
    let headers = signer
        .sign(MSG_ID, UNIX_EPOCH + Duration::from_secs(TS), &body)
        .unwrap();
    Fixture {
        bare_key: hmac::Key::new(hmac::HMAC_SHA256, secret.expose_bytes()),
        verifier: StandardVerifier::new(secret),
        signer,
        body,
        content,
        signature: headers.signature().to_owned(),
        headers: request_headers(&headers, size),
    }
}

/// The headers a receiver sees: what a delivery carries besides the three signed headers
/// (host, content type and length, user agent, accept encoding), then the signed ones.
fn request_headers(signed: &SignedHeaders<'_>, size: usize) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(8);
    headers.insert(HOST, HeaderValue::from_static("hooks.example.com"));
    headers.insert(
        USER_AGENT,
        HeaderValue::from_static("switchboard-webhooks/0.1"),
    );
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(size));
    headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
    signed.append_to(&mut headers);
    headers
}

fn bench(c: &mut Criterion) {
    let at = UNIX_EPOCH + Duration::from_secs(TS);
    let mut group = c.benchmark_group("standard_v1");
    for size in SIZES {
        let f = fixture(size);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("bare_ring_hmac", size), |b| {
            b.iter(|| hmac::sign(&f.bare_key, black_box(&f.content)))
        });
        group.bench_function(BenchmarkId::new("sign", size), |b| {
            b.iter(|| f.signer.sign(black_box(MSG_ID), at, black_box(&f.body)))
        });
        group.bench_function(BenchmarkId::new("verify", size), |b| {
            b.iter(|| {
                f.verifier
                    .verify(black_box(&f.headers), black_box(&f.body), at)
            })
        });
        group.bench_function(BenchmarkId::new("signature_only", size), |b| {
            b.iter(|| {
                f.signer
                    .signature(black_box(MSG_ID), at, black_box(&f.body))
            })
        });
        group.bench_function(BenchmarkId::new("verify_values", size), |b| {
            b.iter(|| {
                f.verifier
                    .verify_values(MSG_ID, TS_TEXT, &f.signature, black_box(&f.body), at)
            })
        });
    }
    group.finish();
}

/// Fastest per-call time of each variant over interleaved rounds: bare HMAC, `sign`, `verify`,
/// `signature` (value only), `verify_values` (no header map), and `sign` followed by
/// `append_to` a reused `HeaderMap` (the `HeaderValue`s a request needs).
fn paired(size: usize) -> [Duration; 6] {
    const ROUNDS: usize = 400;
    let f = fixture(size);
    let at = UNIX_EPOCH + Duration::from_secs(TS);
    let iters: u32 = if size > 4096 { 20 } else { 500 };
    let mut best = [Duration::MAX; 6];
    let mut map = HeaderMap::with_capacity(4);
    for _ in 0..ROUNDS {
        for (slot, best) in best.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..iters {
                let ok = match slot {
                    0 => {
                        black_box(hmac::sign(&f.bare_key, black_box(&f.content)))
                            .as_ref()
                            .len()
                            == 32
                    }
                    1 => black_box(f.signer.sign(MSG_ID, at, black_box(&f.body))).is_ok(),
                    2 => black_box(f.verifier.verify(&f.headers, black_box(&f.body), at)).is_ok(),
                    3 => black_box(f.signer.signature(MSG_ID, at, black_box(&f.body))).is_ok(),
                    4 => black_box(f.verifier.verify_values(
                        MSG_ID,
                        TS_TEXT,
                        &f.signature,
                        black_box(&f.body),
                        at,
                    ))
                    .is_ok(),
                    _ => {
                        f.signer
                            .sign(MSG_ID, at, black_box(&f.body))
                            .unwrap()
                            .append_to(&mut map);
                        black_box(&mut map).len() == 3
                    }
                };
                assert!(ok);
            }
            *best = (*best).min(start.elapsed() / iters);
        }
    }
    best
}

fn paired_report() {
    println!("\npaired (fastest of 400 interleaved rounds); ratio = bare time / scheme time");
    println!(
        "{:>6}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>6}  {:>6}  {:>6}  {:>6}  {:>6}",
        "bytes",
        "bare",
        "sign",
        "verify",
        "sig-only",
        "values",
        "sign+map",
        "sign",
        "verify",
        "sig",
        "values",
        "s+map"
    );
    for size in SIZES {
        let times = paired(size);
        let ratio = |t: Duration| times[0].as_secs_f64() / t.as_secs_f64();
        println!(
            "{size:>6}  {:>9.2?}  {:>9.2?}  {:>9.2?}  {:>9.2?}  {:>9.2?}  {:>9.2?}  {:>6.3}  {:>6.3}  {:>6.3}  {:>6.3}  {:>6.3}",
            times[0],
            times[1],
            times[2],
            times[3],
            times[4],
            times[5],
            ratio(times[1]),
            ratio(times[2]),
            ratio(times[3]),
            ratio(times[4]),
            ratio(times[5]),
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}

fn main() {
    benches();
    // `cargo bench` passes `--bench`; `cargo test --benches` runs criterion once and skips this,
    // and so does a `--profile-time` run, so that a profile shows only the filtered variant.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|arg| arg == "--bench") && !args.iter().any(|arg| arg == "--profile-time") {
        paired_report();
    }
    Criterion::default().configure_from_args().final_summary();
}
