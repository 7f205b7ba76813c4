//! Provider verifiers: published vectors, independently computed ones, and their negative cases.

use std::time::Duration;

use switchboard_webhooks::sign::{
    DiscordVerifier, GitHubVerifier, HmacSecret, KeyError, LegacySigner, LegacyVerifier, Scheme,
    ShopifyVerifier, SlackVerifier, StandardSigner, StripeVerifier, Tolerance, Verifier,
    VerifyError, VerifyingKey, WebhookSecret,
};

use crate::{at, headers};

// GitHub docs, "Validating webhook deliveries".
const GITHUB_SECRET: &str = "It's a Secret to Everybody";
const GITHUB_SIG: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

#[test]
fn github_vector() {
    let verifier = GitHubVerifier::new(HmacSecret::new(GITHUB_SECRET).unwrap());
    let h = headers(&[("X-Hub-Signature-256", GITHUB_SIG)]);
    let ok = verifier.verify(&h, b"Hello, World!", at(0)).unwrap();
    assert_eq!(ok.scheme, Scheme::GitHub);
    assert_eq!(
        verifier.verify(&h, b"Hello, World?", at(0)).unwrap_err(),
        VerifyError::SignatureMismatch {
            header: "x-hub-signature-256",
            candidates: 1,
            keys: 1
        }
    );
    // Upper-case hex is the same signature.
    let upper = format!("sha256={}", GITHUB_SIG[7..].to_uppercase());
    assert!(
        verifier
            .verify(
                &headers(&[("x-hub-signature-256", &upper)]),
                b"Hello, World!",
                at(0)
            )
            .is_ok()
    );
    for bad in [
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=757107",
        "sha1=abc",
    ] {
        assert!(matches!(
            verifier.verify(
                &headers(&[("x-hub-signature-256", bad)]),
                b"Hello, World!",
                at(0)
            ),
            Err(VerifyError::MalformedHeader {
                header: "x-hub-signature-256",
                ..
            })
        ));
    }
    assert_eq!(
        verifier
            .verify(&headers(&[]), b"Hello, World!", at(0))
            .unwrap_err(),
        VerifyError::MissingHeader {
            header: "x-hub-signature-256"
        }
    );
}

// Slack docs, "Verifying requests from Slack".
const SLACK_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const SLACK_TS: u64 = 1_531_420_618;
const SLACK_BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SLACK_SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

#[test]
fn slack_vector_and_window() {
    let verifier = SlackVerifier::new(HmacSecret::new(SLACK_SECRET).unwrap());
    let h = headers(&[
        ("X-Slack-Signature", SLACK_SIG),
        ("X-Slack-Request-Timestamp", "1531420618"),
    ]);
    let ok = verifier
        .verify(&h, SLACK_BODY.as_bytes(), at(SLACK_TS + 60))
        .unwrap();
    assert_eq!(
        (ok.scheme, ok.timestamp),
        (Scheme::Slack, Some(SLACK_TS as i64))
    );
    assert!(matches!(
        verifier.verify(&h, SLACK_BODY.as_bytes(), at(SLACK_TS + 301)),
        Err(VerifyError::TimestampTooOld {
            header: "x-slack-request-timestamp",
            ..
        })
    ));
    assert!(matches!(
        verifier.verify(&h, SLACK_BODY.as_bytes(), at(SLACK_TS - 301)),
        Err(VerifyError::TimestampTooNew { .. })
    ));
    let wrong_ts = headers(&[
        ("X-Slack-Signature", SLACK_SIG),
        ("X-Slack-Request-Timestamp", "1531420619"),
    ]);
    assert!(matches!(
        verifier.verify(&wrong_ts, SLACK_BODY.as_bytes(), at(SLACK_TS)),
        Err(VerifyError::SignatureMismatch { .. })
    ));
    let no_prefix = headers(&[
        ("X-Slack-Signature", &SLACK_SIG[3..]),
        ("X-Slack-Request-Timestamp", "1531420618"),
    ]);
    assert!(matches!(
        verifier.verify(&no_prefix, SLACK_BODY.as_bytes(), at(SLACK_TS)),
        Err(VerifyError::MalformedHeader {
            header: "x-slack-signature",
            ..
        })
    ));
    assert_eq!(
        verifier
            .verify(
                &headers(&[("X-Slack-Signature", SLACK_SIG)]),
                SLACK_BODY.as_bytes(),
                at(SLACK_TS)
            )
            .unwrap_err(),
        VerifyError::MissingHeader {
            header: "x-slack-request-timestamp"
        }
    );
}

// Computed independently with Python's hmac module; the key is the whole `whsec_` string as UTF-8.
const STRIPE_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const STRIPE_BODY: &[u8] =
    br#"{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"payment_intent.succeeded"}"#;
const STRIPE_V1: &str = "37178553de894ba282af2b08052505b4d549b7a0087e1a3e298f95dc3d14b116";
// The same content keyed with the base64-decoded secret: what a wrong implementation produces.
const STRIPE_V1_DECODED_KEY: &str =
    "20592b250a60488e3e1898997dd0d2d1d4276f21784560a3d57f165a905218a6";

#[test]
fn stripe_secret_is_utf8_not_base64() {
    let verifier = StripeVerifier::new(HmacSecret::new(STRIPE_SECRET).unwrap());
    let header = format!("t=1614265330,v1={STRIPE_V1_DECODED_KEY},v1={STRIPE_V1},v0=abc");
    let request = headers(&[("Stripe-Signature", &header)]);
    let ok = verifier
        .verify(&request, STRIPE_BODY, at(1_614_265_400))
        .unwrap();
    assert_eq!(
        (ok.scheme, ok.timestamp),
        (Scheme::Stripe, Some(1_614_265_330))
    );

    let only_wrong = format!("t=1614265330,v1={STRIPE_V1_DECODED_KEY}");
    assert_eq!(
        verifier
            .verify(
                &headers(&[("Stripe-Signature", &only_wrong)]),
                STRIPE_BODY,
                at(1_614_265_330)
            )
            .unwrap_err(),
        VerifyError::SignatureMismatch {
            header: "stripe-signature",
            candidates: 1,
            keys: 1
        }
    );
}

#[test]
fn stripe_negative_cases() {
    let verifier = StripeVerifier::new(HmacSecret::new(STRIPE_SECRET).unwrap());
    let check = |value: &str, now: u64| {
        verifier
            .verify(
                &headers(&[("stripe-signature", value)]),
                STRIPE_BODY,
                at(now),
            )
            .unwrap_err()
    };
    let good = format!("t=1614265330,v1={STRIPE_V1}");
    assert!(matches!(
        check(&good, 1_614_265_631),
        VerifyError::TimestampTooOld { .. }
    ));
    assert!(matches!(
        check(&good, 1_614_265_029),
        VerifyError::TimestampTooNew { .. }
    ));
    assert_eq!(
        check("t=1614265330,v0=abc", 1_614_265_330),
        VerifyError::NoSupportedSignature {
            header: "stripe-signature",
            expected: "v1"
        }
    );
    for bad in [
        format!("v1={STRIPE_V1}"),
        format!("t=1614265330,t=1614265330,v1={STRIPE_V1}"),
        format!("t=abc,v1={STRIPE_V1}"),
        format!("t=1614265330,{STRIPE_V1}"),
        "t=1614265330,v1=abc".to_owned(),
    ] {
        assert!(
            matches!(
                check(&bad, 1_614_265_330),
                VerifyError::MalformedHeader {
                    header: "stripe-signature",
                    ..
                }
            ),
            "{bad}"
        );
    }
}

// Computed independently with Python's hmac and base64 modules.
#[test]
fn shopify_vector() {
    let verifier = ShopifyVerifier::new(HmacSecret::new("shpss_1a2b3c4d5e6f").unwrap());
    let body = br#"{"id":820982911946154508,"email":"jon@example.com"}"#;
    let h = headers(&[(
        "X-Shopify-Hmac-Sha256",
        "uWOxkn7gi419Dx5BbHY5X+3XBMO6+i/NV9bl2jaW2XY=",
    )]);
    assert_eq!(
        verifier.verify(&h, body, at(0)).unwrap().scheme,
        Scheme::Shopify
    );
    assert!(matches!(
        verifier.verify(&h, b"{}", at(0)),
        Err(VerifyError::SignatureMismatch { .. })
    ));
    let truncated = headers(&[(
        "X-Shopify-Hmac-Sha256",
        "uWOxkn7gi419Dx5BbHY5X+3XBMO6+i/NV9bl2jaW2XY",
    )]);
    assert!(matches!(
        verifier.verify(&truncated, body, at(0)),
        Err(VerifyError::MalformedHeader {
            header: "x-shopify-hmac-sha256",
            ..
        })
    ));
}

// Signed independently with `openssl pkeyutl -sign -rawin` using vector D's Ed25519 seed.
const DISCORD_PUBLIC_HEX: &str = "d52880e28f61caa4c2a48a82e55f4751a92289a78009ea9f6532270c16ce8abe";
const DISCORD_SIG: &str = "96f91f283d4e6f5f3b00d74511e56dfa92db4b69e6f87123423897dbc52eb67fcb8a9cafb8b8b39be7ec547ad30fe445adf6f5d88cfaf6728ec9272d1839930e";

const DISCORD_TS: u64 = 1_614_265_330;

fn discord_verifier() -> DiscordVerifier {
    DiscordVerifier::new(VerifyingKey::from_hex(DISCORD_PUBLIC_HEX).unwrap())
}

fn discord_headers(signature: &str, timestamp: &str) -> http::HeaderMap {
    headers(&[
        ("X-Signature-Ed25519", signature),
        ("X-Signature-Timestamp", timestamp),
    ])
}

#[test]
fn discord_vector() {
    let verifier = discord_verifier();
    let body = br#"{"type":1}"#;
    let h = discord_headers(DISCORD_SIG, "1614265330");
    let ok = verifier.verify(&h, body, at(DISCORD_TS)).unwrap();
    assert_eq!(
        (ok.scheme, ok.timestamp),
        (Scheme::Discord, Some(1_614_265_330))
    );

    // Discord's deliberately invalid signatures: any change must fail.
    let mut flipped = DISCORD_SIG.to_owned().into_bytes();
    flipped[0] = b'0';
    let flipped = String::from_utf8(flipped).unwrap();
    assert!(matches!(
        verifier.verify(
            &discord_headers(&flipped, "1614265330"),
            body,
            at(DISCORD_TS)
        ),
        Err(VerifyError::SignatureMismatch { .. })
    ));
    assert!(matches!(
        verifier.verify(&h, br#"{"type":2}"#, at(DISCORD_TS)),
        Err(VerifyError::SignatureMismatch { .. })
    ));
    assert!(matches!(
        verifier.verify(
            &discord_headers(&DISCORD_SIG[..64], "1614265330"),
            body,
            at(DISCORD_TS)
        ),
        Err(VerifyError::MalformedHeader {
            header: "x-signature-ed25519",
            ..
        })
    ));
}

#[test]
fn discord_rejects_timestamps_outside_five_minutes_by_default() {
    let verifier = discord_verifier();
    let body = br#"{"type":1}"#;
    let h = discord_headers(DISCORD_SIG, "1614265330");
    // The bounds are inclusive: 300 s either way passes, 301 s does not.
    assert!(verifier.verify(&h, body, at(DISCORD_TS + 300)).is_ok());
    assert!(verifier.verify(&h, body, at(DISCORD_TS - 300)).is_ok());
    assert!(matches!(
        verifier.verify(&h, body, at(DISCORD_TS + 301)),
        Err(VerifyError::TimestampTooOld {
            header: "x-signature-timestamp",
            tolerance_secs: 300,
            ..
        })
    ));
    assert!(matches!(
        verifier.verify(&h, body, at(DISCORD_TS - 301)),
        Err(VerifyError::TimestampTooNew {
            header: "x-signature-timestamp",
            ..
        })
    ));
    // A request captured years ago no longer verifies.
    assert!(matches!(
        verifier.verify(&h, body, at(2_000_000_000)),
        Err(VerifyError::TimestampTooOld { .. })
    ));
    // A wider window is the caller's explicit choice.
    let wide = discord_verifier().with_tolerance(Tolerance::symmetric(Duration::from_secs(3600)));
    assert!(wide.verify(&h, body, at(DISCORD_TS + 3600)).is_ok());
}

#[test]
fn discord_timestamp_must_be_integer_seconds() {
    let verifier = discord_verifier();
    for bad in ["", "1614265330.5", "-1", "soon"] {
        assert!(
            matches!(
                verifier.verify(
                    &discord_headers(DISCORD_SIG, bad),
                    br#"{"type":1}"#,
                    at(DISCORD_TS)
                ),
                Err(VerifyError::MalformedHeader {
                    header: "x-signature-timestamp",
                    ..
                })
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn discord_key_length_is_checked() {
    assert!(matches!(
        VerifyingKey::from_hex(&DISCORD_PUBLIC_HEX[..62]),
        Err(KeyError::Length { actual: 31, .. })
    ));
    assert!(matches!(
        VerifyingKey::from_hex(&"zz".repeat(32)),
        Err(KeyError::Hex { .. })
    ));
    assert!(matches!(
        VerifyingKey::from_hex(""),
        Err(KeyError::Empty { .. })
    ));
}

// Computed independently with Python's hmac module.
const LEGACY_BODY: &[u8] = br#"{"event":"chat_created","data":{"chat_id":"c1"}}"#;
const LEGACY_SIG: &str = "21b6896ff384ad435f0498328f7fc52ed6a5d53bb23e38e7101ba6d7cb9ad1ff";

#[test]
fn legacy_is_opt_in_and_matches_the_seed() {
    let legacy = LegacySigner::new(HmacSecret::new("seed-secret").unwrap());
    assert_eq!(legacy.sign(LEGACY_BODY), LEGACY_SIG);
    let signer = StandardSigner::new(WebhookSecret::generate().unwrap());
    let plain = signer
        .sign("msg_1", at(1_700_000_000), LEGACY_BODY)
        .unwrap();
    assert!(!plain.to_header_map().contains_key("x-webhook-signature"));

    let signed = signer
        .with_legacy(legacy)
        .sign("msg_1", at(1_700_000_000), LEGACY_BODY)
        .unwrap();
    let h = signed.to_header_map();
    assert_eq!(h["x-webhook-signature"], LEGACY_SIG);
    let verifier = LegacyVerifier::new(HmacSecret::new("seed-secret").unwrap());
    assert_eq!(
        verifier.verify(&h, LEGACY_BODY, at(0)).unwrap().scheme,
        Scheme::Legacy
    );
    assert!(matches!(
        verifier.verify(&h, b"{}", at(0)),
        Err(VerifyError::SignatureMismatch { .. })
    ));
    assert!(matches!(
        verifier.verify(
            &headers(&[("x-webhook-signature", "sha256=00")]),
            LEGACY_BODY,
            at(0)
        ),
        Err(VerifyError::MalformedHeader {
            header: "x-webhook-signature",
            ..
        })
    ));
}

#[test]
fn verifiers_are_usable_as_trait_objects() {
    let verifiers: Vec<Box<dyn Verifier>> = vec![
        Box::new(GitHubVerifier::new(HmacSecret::new(GITHUB_SECRET).unwrap())),
        Box::new(
            SlackVerifier::new(HmacSecret::new(SLACK_SECRET).unwrap())
                .with_tolerance(Tolerance::symmetric(Duration::from_secs(60))),
        ),
    ];
    let h = headers(&[("X-Hub-Signature-256", GITHUB_SIG)]);
    let results: Vec<_> = verifiers
        .iter()
        .map(|v| v.verify(&h, b"Hello, World!", at(0)).is_ok())
        .collect();
    assert_eq!(results, [true, false]);
}
