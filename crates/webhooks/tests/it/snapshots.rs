//! Snapshots of the headers produced for a fixed key, id, timestamp and body.
//!
//! Every signature in the committed snapshots was recomputed with Python's hmac module and
//! `openssl pkeyutl -sign -rawin` (Ed25519) when they were accepted.

use std::fmt::Write as _;

use switchboard_webhooks::sign::{
    HmacSecret, LegacySigner, SignedHeaders, SigningKey, StandardSigner, WebhookSecret,
};

use crate::at;

const SECRET_A: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SECRET_B: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const SIGNING_KEY: &str =
    "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";
const ID: &str = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
const TS: u64 = 1_700_000_000;
const BODY: &[u8] =
    br#"{"type":"chat.created","timestamp":"2023-11-14T22:13:20Z","data":{"chat_id":"c_123"}}"#;

/// The headers as `name: value` lines, sorted by name.
fn render(signed: &SignedHeaders) -> String {
    let map = signed.to_header_map();
    let mut lines: Vec<_> = map
        .iter()
        .map(|(name, value)| (name.as_str(), value.to_str().unwrap()))
        .collect();
    lines.sort();
    lines.iter().fold(String::new(), |mut out, (name, value)| {
        let _ = writeln!(out, "{name}: {value}");
        out
    })
}

#[test]
fn v1_headers() {
    let signer = StandardSigner::new(WebhookSecret::parse(SECRET_A).unwrap());
    insta::assert_snapshot!(render(&signer.sign(ID, at(TS), BODY).unwrap()));
}

#[test]
fn v1a_headers() {
    let signer = StandardSigner::new(SigningKey::parse(SIGNING_KEY).unwrap());
    insta::assert_snapshot!(render(&signer.sign(ID, at(TS), BODY).unwrap()));
}

#[test]
fn legacy_headers() {
    let signer = StandardSigner::new(WebhookSecret::parse(SECRET_A).unwrap())
        .with_legacy(LegacySigner::new(HmacSecret::new("seed-secret").unwrap()));
    insta::assert_snapshot!(render(&signer.sign(ID, at(TS), BODY).unwrap()));
}

#[test]
fn multiple_keys_headers() {
    // Current key B, with A (v1) and the Ed25519 key (v1a) retired but still valid.
    let mut signer = StandardSigner::new(SigningKey::parse(SIGNING_KEY).unwrap());
    signer
        .keys_mut()
        .rotate(
            WebhookSecret::parse(SECRET_A).unwrap().into(),
            at(TS + 3600),
        )
        .unwrap();
    signer
        .keys_mut()
        .rotate(
            WebhookSecret::parse(SECRET_B).unwrap().into(),
            at(TS + 86_400),
        )
        .unwrap();
    insta::assert_snapshot!(render(&signer.sign(ID, at(TS), BODY).unwrap()));
}
