//! Key rotation: signing with every active key, accepting any, old keys expiring on time.

use switchboard_webhooks::sign::{
    HmacSecret, KeyRing, SigningKey, StandardSigner, StandardVerifier, StripeVerifier, Verifier,
    VerifyError, WebhookSecret,
};

use crate::{at, headers};

const OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NEW: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

#[test]
fn sender_signs_with_old_and_new_until_the_old_expires() {
    let mut signer = StandardSigner::new(WebhookSecret::parse(OLD).unwrap());
    signer
        .keys_mut()
        .rotate(WebhookSecret::parse(NEW).unwrap().into(), at(2_000))
        .unwrap();

    let during = signer.sign("msg_1", at(1_000), b"{}").unwrap();
    let entries: Vec<_> = during.signature().split(' ').collect();
    assert_eq!(entries.len(), 2);
    let after = signer.sign("msg_1", at(2_000), b"{}").unwrap();
    assert_eq!(after.signature().split(' ').count(), 1);

    // A receiver that only knows the old secret still accepts during the grace period…
    let old_only = StandardVerifier::new(WebhookSecret::parse(OLD).unwrap());
    assert!(
        old_only
            .verify(&during.to_header_map(), b"{}", at(1_000))
            .is_ok()
    );
    // …and one that only knows the new secret accepts both.
    let new_only = StandardVerifier::new(WebhookSecret::parse(NEW).unwrap());
    assert!(
        new_only
            .verify(&during.to_header_map(), b"{}", at(1_000))
            .is_ok()
    );
    assert!(
        new_only
            .verify(&after.to_header_map(), b"{}", at(2_000))
            .is_ok()
    );
    assert!(
        old_only
            .verify(&after.to_header_map(), b"{}", at(2_000))
            .is_err()
    );
}

#[test]
fn receiver_accepts_old_key_until_its_time_and_reports_which_key() {
    let old_signer = StandardSigner::new(WebhookSecret::parse(OLD).unwrap());
    let mut verifier = StandardVerifier::new(WebhookSecret::parse(OLD).unwrap());
    verifier
        .keys_mut()
        .rotate(WebhookSecret::parse(NEW).unwrap().into(), at(10_000))
        .unwrap();

    let msg = old_signer
        .sign("msg_1", at(9_999), b"x")
        .unwrap()
        .to_header_map();
    let ok = verifier.verify(&msg, b"x", at(9_999)).unwrap();
    assert_eq!(ok.key_index, 1, "matched the retired key");

    let msg = old_signer
        .sign("msg_1", at(10_000), b"x")
        .unwrap()
        .to_header_map();
    assert_eq!(
        verifier.verify(&msg, b"x", at(10_000)).unwrap_err(),
        VerifyError::SignatureMismatch {
            header: "webhook-signature",
            candidates: 1,
            keys: 1
        }
    );
}

#[test]
fn mixed_symmetric_and_ed25519_rotation() {
    let ed = SigningKey::generate().unwrap();
    let mut signer = StandardSigner::new(WebhookSecret::parse(OLD).unwrap());
    signer
        .keys_mut()
        .rotate(ed.clone().into(), at(5_000))
        .unwrap();
    let signed = signer.sign("msg_1", at(1_000), b"body").unwrap();
    let value = signed.signature();
    assert!(
        value.starts_with("v1a,") && value.contains(" v1,"),
        "{value}"
    );

    let verifier = signer.verifier();
    assert_eq!(
        verifier
            .verify(&signed.to_header_map(), b"body", at(1_000))
            .unwrap()
            .key_index,
        0
    );
    let public_only = StandardVerifier::new(ed.verifying_key());
    assert!(
        public_only
            .verify(&signed.to_header_map(), b"body", at(1_000))
            .is_ok()
    );
}

#[test]
fn provider_verifiers_rotate_too() {
    let ring = KeyRing::new(HmacSecret::new("whsec_new").unwrap())
        .with_retired(HmacSecret::new("whsec_old").unwrap(), at(100))
        .unwrap();
    let verifier = StripeVerifier::new(ring).with_tolerance(
        switchboard_webhooks::sign::Tolerance::symmetric(std::time::Duration::from_secs(1_000)),
    );
    // HMAC-SHA256 with the old secret, computed independently with Python.
    let at_50 = "t=50,v1=774e8a15450539dab22d2df61a36d5ec693d3fce8bcc42109bd53afe686ae024";
    let at_100 = "t=100,v1=6e4b3eb55529ddf17b73f7ac231f26c659e2d5e38a5ac25b4e6d322d5bd19041";
    let request = headers(&[("stripe-signature", at_50)]);
    let ok = verifier.verify(&request, b"{}", at(99)).unwrap();
    assert_eq!(ok.key_index, 1);
    // At 100 the old key has expired: only the new key is tried.
    assert_eq!(
        verifier
            .verify(&headers(&[("stripe-signature", at_100)]), b"{}", at(100))
            .unwrap_err(),
        VerifyError::SignatureMismatch {
            header: "stripe-signature",
            candidates: 1,
            keys: 1
        }
    );
}
