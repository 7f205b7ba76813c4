//! `Verified::replay_digest`: a replayed request has the digest of the original whatever
//! unsigned headers the replayer changes; a request the sender signed anew has another.

use ring::hmac;
use switchboard_webhooks::sign::{
    GitHubVerifier, HmacSecret, StandardSigner, StandardVerifier, StripeVerifier, Verifier,
    WebhookSecret,
};

use crate::{at, headers};

const SECRET: &str = "replay-test-secret-0123456789";
const NOW: u64 = 1_700_000_000;

fn hex_hmac(message: &[u8]) -> String {
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes()),
        message,
    );
    tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn github_digest(body: &[u8], delivery: &str, event: &str) -> [u8; 32] {
    let verifier = GitHubVerifier::new(HmacSecret::new(SECRET).unwrap());
    let signature = format!("sha256={}", hex_hmac(body));
    let h = headers(&[
        ("x-hub-signature-256", &signature),
        ("x-github-delivery", delivery),
        ("x-github-event", event),
    ]);
    verifier
        .verify(&h, body, at(NOW))
        .unwrap()
        .replay_digest(body)
}

#[test]
fn github_replay_digest_ignores_the_unsigned_delivery_and_event_headers() {
    let body = br#"{"action":"opened","number":1}"#;
    let original = github_digest(body, "d-1", "pull_request");
    assert_eq!(github_digest(body, "d-2", "push"), original);
    assert_ne!(
        github_digest(br#"{"action":"closed","number":1}"#, "d-1", "pull_request"),
        original
    );
}

fn stripe_digest(header: &str, body: &[u8]) -> [u8; 32] {
    let verifier = StripeVerifier::new(HmacSecret::new(SECRET).unwrap());
    let h = headers(&[("stripe-signature", header)]);
    verifier
        .verify(&h, body, at(NOW))
        .unwrap()
        .replay_digest(body)
}

#[test]
fn stripe_replay_digest_ignores_extra_header_elements_but_not_the_signed_timestamp() {
    let body = br#"{"id":"evt_1"}"#;
    let sig = |t: u64| hex_hmac(format!("{t}.{}", std::str::from_utf8(body).unwrap()).as_bytes());
    let original = stripe_digest(&format!("t={NOW},v1={}", sig(NOW)), body);
    let padded = format!("t={NOW},v0=00,v1={},v1={}", "ab".repeat(32), sig(NOW));
    assert_eq!(stripe_digest(&padded, body), original);
    let resigned = format!("t={},v1={}", NOW + 1, sig(NOW + 1));
    assert_ne!(stripe_digest(&resigned, body), original);
}

#[test]
fn standard_replay_digest_is_the_signed_webhook_id() {
    let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let signer = StandardSigner::new(secret.clone());
    let verifier = StandardVerifier::new(secret);
    let digest = |id: &str, ts: u64, body: &[u8]| {
        let h = signer.sign(id, at(ts), body).unwrap().to_header_map();
        verifier
            .verify(&h, body, at(NOW))
            .unwrap()
            .replay_digest(body)
    };
    let original = digest("msg_1", NOW, b"{}");
    // The sender's own retry re-signs the same id with a new timestamp: the same request.
    assert_eq!(digest("msg_1", NOW + 30, b"{}"), original);
    assert_ne!(digest("msg_2", NOW, b"{}"), original);
}
