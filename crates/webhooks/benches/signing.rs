//! Standard Webhooks v1 sign and verify against a bare `ring::hmac` over the same bytes.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ring::hmac;
use switchboard_webhooks::{StandardSigner, StandardVerifier, Verifier, WebhookSecret};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";

fn bench(c: &mut Criterion) {
    let secret = WebhookSecret::parse(SECRET).unwrap();
    let bare_key = hmac::Key::new(hmac::HMAC_SHA256, secret.expose_bytes());
    let signer = StandardSigner::new(secret.clone());
    let verifier = StandardVerifier::new(secret);
    let at = UNIX_EPOCH + Duration::from_secs(1_614_265_330);

    let mut group = c.benchmark_group("standard_v1");
    for size in [256usize, 1024, 64 * 1024] {
        let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        // The bare HMAC signs the same bytes the scheme signs: `id.timestamp.body`.
        let mut content = format!("{MSG_ID}.1614265330.").into_bytes();
        content.extend_from_slice(&body);
        let headers = signer.sign(MSG_ID, at, &body).unwrap().to_header_map();
        group.throughput(Throughput::Bytes(size as u64));

        group.bench_with_input(
            BenchmarkId::new("bare_ring_hmac", size),
            &content,
            |b, content| b.iter(|| hmac::sign(&bare_key, black_box(content))),
        );
        group.bench_with_input(BenchmarkId::new("sign", size), &body, |b, body| {
            b.iter(|| signer.sign(black_box(MSG_ID), at, black_box(body)).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("verify", size), &body, |b, body| {
            b.iter(|| {
                verifier
                    .verify(black_box(&headers), black_box(body), at)
                    .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
