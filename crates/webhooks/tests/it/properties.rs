//! Property tests: sign→verify round trips, and any single-byte change is rejected.

use std::sync::OnceLock;

use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use switchboard_webhooks::sign::{
    SigningKey, StandardSigner, StandardVerifier, Verifier, WebhookSecret,
};
use switchboard_webhooks::sign::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};

use crate::at;

fn ed25519_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate().unwrap())
}

fn secret() -> impl Strategy<Value = WebhookSecret> {
    prop::collection::vec(any::<u8>(), 24..=64).prop_map(|b| WebhookSecret::from_bytes(b).unwrap())
}

fn message_id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,40}"
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    // Arbitrary bytes: most are not UTF-8.
    prop::collection::vec(any::<u8>(), 0..1024)
}

/// A signer with one key: symmetric or Ed25519.
fn single_key_signer() -> impl Strategy<Value = StandardSigner> {
    signer_of_kind(0..2)
}

/// A signer: symmetric, Ed25519, or both (rotation across schemes).
fn signer() -> impl Strategy<Value = StandardSigner> {
    signer_of_kind(0..3)
}

fn signer_of_kind(kinds: std::ops::Range<u8>) -> impl Strategy<Value = StandardSigner> {
    (secret(), kinds).prop_map(|(secret, kind)| match kind {
        0 => StandardSigner::new(secret),
        1 => StandardSigner::new(ed25519_key().clone()),
        _ => {
            let mut signer = StandardSigner::new(secret);
            signer
                .keys_mut()
                .rotate(ed25519_key().clone().into(), at(u64::from(u32::MAX) * 2))
                .unwrap();
            signer
        }
    })
}

const TS: std::ops::Range<u64> = 0..4_000_000_000;

fn with_byte_changed(value: &HeaderValue, index: usize, xor: u8) -> Option<HeaderValue> {
    let mut bytes = value.as_bytes().to_vec();
    let i = index % bytes.len();
    bytes[i] ^= xor;
    HeaderValue::from_bytes(&bytes).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn round_trip(signer in signer(), id in message_id(), ts in TS, body in body()) {
        let signed = signer.sign(&id, at(ts), &body).unwrap();
        let headers = signed.to_header_map();
        let verified = signer.verifier().verify(&headers, &body, at(ts)).unwrap();
        prop_assert_eq!(verified.message_id, Some(id.as_str()));
        prop_assert_eq!(verified.timestamp, Some(ts as i64));
    }

    #[test]
    fn symmetric_round_trip_with_a_separately_parsed_secret(
        secret in secret(), id in message_id(), ts in TS, body in body(),
    ) {
        let shared = secret.expose_encoded();
        let headers = StandardSigner::new(secret).sign(&id, at(ts), &body).unwrap().to_header_map();
        let verifier = StandardVerifier::new(WebhookSecret::parse(&shared).unwrap());
        prop_assert!(verifier.verify(&headers, &body, at(ts + 299)).is_ok());
    }

    #[test]
    fn changed_body_byte_is_rejected(
        signer in signer(), id in message_id(), ts in TS,
        body in prop::collection::vec(any::<u8>(), 1..1024), index in any::<usize>(), xor in 1..=255u8,
    ) {
        let headers = signer.sign(&id, at(ts), &body).unwrap().to_header_map();
        let mut changed = body.clone();
        let i = index % changed.len();
        changed[i] ^= xor;
        prop_assert!(signer.verifier().verify(&headers, &changed, at(ts)).is_err());
    }

    #[test]
    fn changed_id_or_timestamp_byte_is_rejected(
        signer in signer(), id in message_id(), ts in TS, body in body(),
        which in 0..2usize, index in any::<usize>(), xor in 1..=255u8,
    ) {
        let name = [WEBHOOK_ID, WEBHOOK_TIMESTAMP][which].clone();
        prop_assert!(rejects_changed_header(&signer, &id, ts, &body, name, index, xor)?);
    }

    // With several keys, each signature stands alone (any one matching is accepted), so the
    // single-byte property is stated for a single signature.
    #[test]
    fn changed_signature_byte_is_rejected(
        signer in single_key_signer(), id in message_id(), ts in TS, body in body(),
        index in any::<usize>(), xor in 1..=255u8,
    ) {
        prop_assert!(rejects_changed_header(&signer, &id, ts, &body, WEBHOOK_SIGNATURE, index, xor)?);
    }
}

fn rejects_changed_header(
    signer: &StandardSigner,
    id: &str,
    ts: u64,
    body: &[u8],
    name: http::HeaderName,
    index: usize,
    xor: u8,
) -> Result<bool, TestCaseError> {
    let mut headers: HeaderMap = signer.sign(id, at(ts), body).unwrap().to_header_map();
    let changed = with_byte_changed(&headers[&name], index, xor);
    // A byte that `http` refuses in a header value cannot arrive at all.
    prop_assume!(changed.is_some());
    headers.insert(name, changed.unwrap());
    Ok(signer.verifier().verify(&headers, body, at(ts)).is_err())
}
