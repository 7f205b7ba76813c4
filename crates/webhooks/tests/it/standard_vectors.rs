//! Standard Webhooks conformance vectors A–D (byte-exact) and the reference negative cases.

use switchboard_webhooks::sign::{
    KeyError, Scheme, SigningKey, StandardSigner, StandardVerifier, Verifier, VerifyError,
    VerifyingKey, WebhookSecret,
};
use switchboard_webhooks::sign::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};

use crate::{at, headers};

struct Vector {
    name: &'static str,
    secret: &'static str,
    id: &'static str,
    ts: u64,
    body: &'static [u8],
    expected: &'static str,
}

const SYMMETRIC: [Vector; 3] = [
    Vector {
        name: "A",
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
        ts: 1_614_265_330,
        body: br#"{"test": 2432232314}"#,
        expected: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    },
    Vector {
        name: "B",
        secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        id: "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
        ts: 1_649_367_553,
        body: br#"{"email":"test@example.com","username":"test_user"}"#,
        expected: "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
    },
    Vector {
        name: "C",
        secret: "whsec_plJ3nmyCDGBKInavdOK15jsl",
        id: "msg_loFOjxBNrRLzqYUf",
        ts: 1_731_705_121,
        body: br#"{"event_type":"ping","data":{"success":true}}"#,
        expected: "v1,rAvfW3dJ/X/qxhsaXPOyyCGmRKsaKWcsNccKXlIktD0=",
    },
];

const D_SECRET: &str =
    "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";
const D_PUBLIC: &str = "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=";
const D_EXPECTED: &str =
    "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==";

fn request(id: &str, ts: &str, signature: &str) -> http::HeaderMap {
    headers(&[
        ("webhook-id", id),
        ("webhook-timestamp", ts),
        ("webhook-signature", signature),
    ])
}

fn vector_a() -> (StandardVerifier, &'static Vector) {
    let v = &SYMMETRIC[0];
    (
        StandardVerifier::new(WebhookSecret::parse(v.secret).unwrap()),
        v,
    )
}

#[test]
fn symmetric_vectors_sign_byte_exact() {
    for v in &SYMMETRIC {
        let signer = StandardSigner::new(WebhookSecret::parse(v.secret).unwrap());
        let signed = signer.sign(v.id, at(v.ts), v.body).unwrap();
        assert_eq!(signed.signature(), v.expected, "vector {}", v.name);
        assert_eq!(signed.id(), v.id);
        assert_eq!(signed.timestamp_value(), v.ts.to_string().as_str());
        assert!(
            signed.legacy_signature().is_none(),
            "legacy is off by default"
        );
    }
}

#[test]
fn symmetric_vectors_verify() {
    for v in &SYMMETRIC {
        let verifier = StandardVerifier::new(WebhookSecret::parse(v.secret).unwrap());
        let h = request(v.id, &v.ts.to_string(), v.expected);
        let ok = verifier.verify(&h, v.body, at(v.ts + 10)).unwrap();
        assert_eq!(ok.scheme, Scheme::StandardV1, "vector {}", v.name);
        assert_eq!(ok.message_id, Some(v.id));
        assert_eq!(ok.timestamp, Some(v.ts as i64));
        assert_eq!(ok.key_index, 0);
    }
}

#[test]
fn vector_c_secret_is_below_the_strict_length() {
    assert_eq!(WebhookSecret::parse(SYMMETRIC[2].secret).unwrap().len(), 18);
    assert!(matches!(
        WebhookSecret::parse_strict(SYMMETRIC[2].secret),
        Err(KeyError::Length { actual: 18, .. })
    ));
    assert_eq!(
        WebhookSecret::parse_strict(SYMMETRIC[0].secret)
            .unwrap()
            .len(),
        24
    );
}

#[test]
fn asymmetric_vector_d_signs_and_verifies() {
    let key = SigningKey::parse(D_SECRET).unwrap();
    assert_eq!(key.verifying_key().to_string(), D_PUBLIC);
    assert_eq!(key.expose_encoded(), D_SECRET);
    let v = &SYMMETRIC[0];
    let signed = StandardSigner::new(key)
        .sign(v.id, at(v.ts), v.body)
        .unwrap();
    assert_eq!(signed.signature(), D_EXPECTED);

    let verifier = StandardVerifier::new(VerifyingKey::parse(D_PUBLIC).unwrap());
    let h = request(v.id, "1614265330", D_EXPECTED);
    let ok = verifier.verify(&h, v.body, at(v.ts)).unwrap();
    assert_eq!(ok.scheme, Scheme::StandardV1a);

    // Another body under the same signature fails.
    let err = verifier
        .verify(
            &request(v.id, "1614265330", D_EXPECTED),
            b"{\"test\": 1}",
            at(v.ts),
        )
        .unwrap_err();
    assert!(
        matches!(err, VerifyError::SignatureMismatch { candidates: 1, .. }),
        "{err}"
    );
}

#[test]
fn bare_or_truncated_signature_is_malformed() {
    let (verifier, v) = vector_a();
    let ts = v.ts.to_string();
    for bad in [
        "v1,",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ",
        "v1",
    ] {
        let err = verifier
            .verify(&request(v.id, &ts, bad), v.body, at(v.ts))
            .unwrap_err();
        assert!(
            matches!(
                err,
                VerifyError::MalformedHeader {
                    header: "webhook-signature",
                    ..
                }
            ),
            "{bad:?}: {err:?}"
        );
    }
}

#[test]
fn timestamp_outside_five_minutes_is_rejected_both_ways() {
    let (verifier, v) = vector_a();
    let h = request(v.id, &v.ts.to_string(), v.expected);
    assert!(verifier.verify(&h, v.body, at(v.ts + 300)).is_ok());
    assert!(verifier.verify(&h, v.body, at(v.ts - 300)).is_ok());
    let err = verifier.verify(&h, v.body, at(v.ts + 301)).unwrap_err();
    assert_eq!(
        err,
        VerifyError::TimestampTooOld {
            header: "webhook-timestamp",
            timestamp: v.ts as i64,
            now: v.ts as i64 + 301,
            tolerance_secs: 300,
        }
    );
    let err = verifier.verify(&h, v.body, at(v.ts - 301)).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::TimestampTooNew {
                tolerance_secs: 300,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn tolerance_is_configurable() {
    let (verifier, v) = vector_a();
    let verifier = verifier.with_tolerance(switchboard_webhooks::sign::Tolerance::new(
        std::time::Duration::from_secs(3600),
        std::time::Duration::from_secs(0),
    ));
    let h = request(v.id, &v.ts.to_string(), v.expected);
    assert!(verifier.verify(&h, v.body, at(v.ts + 3600)).is_ok());
    assert!(matches!(
        verifier.verify(&h, v.body, at(v.ts - 1)),
        Err(VerifyError::TimestampTooNew {
            tolerance_secs: 0,
            ..
        })
    ));
}

#[test]
fn list_without_a_valid_entry_is_a_mismatch() {
    let (verifier, v) = vector_a();
    let other = SYMMETRIC[1].expected;
    let list = format!("{other} v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v2,whatever");
    let err = verifier
        .verify(&request(v.id, &v.ts.to_string(), &list), v.body, at(v.ts))
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::SignatureMismatch {
            header: "webhook-signature",
            candidates: 2,
            keys: 1
        }
    );
    // The valid entry anywhere in the list is accepted.
    let list = format!("{other} v2,whatever {}", v.expected);
    assert!(
        verifier
            .verify(&request(v.id, &v.ts.to_string(), &list), v.body, at(v.ts))
            .is_ok()
    );
}

#[test]
fn only_unknown_versions_is_no_supported_signature() {
    let (verifier, v) = vector_a();
    let err = verifier
        .verify(
            &request(v.id, &v.ts.to_string(), D_EXPECTED),
            v.body,
            at(v.ts),
        )
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::NoSupportedSignature {
            header: "webhook-signature",
            expected: "v1"
        }
    );
}

#[test]
fn each_missing_header_is_named() {
    let (verifier, v) = vector_a();
    let ts = v.ts.to_string();
    let full = [
        ("webhook-id", v.id),
        ("webhook-timestamp", ts.as_str()),
        ("webhook-signature", v.expected),
    ];
    for skip in 0..full.len() {
        let pairs: Vec<_> = full
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, p)| *p)
            .collect();
        let err = verifier
            .verify(&headers(&pairs), v.body, at(v.ts))
            .unwrap_err();
        assert_eq!(
            err,
            VerifyError::MissingHeader {
                header: full[skip].0
            }
        );
    }
}

#[test]
fn malformed_id_and_timestamp_are_rejected() {
    let (verifier, v) = vector_a();
    let cases = [
        (request("msg.1", "1614265330", v.expected), "webhook-id"),
        (
            request(v.id, "1614265330.0", v.expected),
            "webhook-timestamp",
        ),
        (
            request(v.id, "-1614265330", v.expected),
            "webhook-timestamp",
        ),
        (request(v.id, "", v.expected), "webhook-timestamp"),
    ];
    for (h, header) in cases {
        let err = verifier.verify(&h, v.body, at(v.ts)).unwrap_err();
        assert!(
            matches!(err, VerifyError::MalformedHeader { header: h, .. } if h == header),
            "{err:?}"
        );
    }
    let mut twice = request(v.id, "1614265330", v.expected);
    twice.append(WEBHOOK_SIGNATURE, v.expected.parse().unwrap());
    assert!(matches!(
        verifier.verify(&twice, v.body, at(v.ts)),
        Err(VerifyError::MalformedHeader {
            header: "webhook-signature",
            ..
        })
    ));
    // Every one of the three (under either naming) must appear exactly once, wherever it sits
    // among other headers.
    let ts = v.ts.to_string();
    for names in [
        ["webhook-id", "webhook-timestamp", "webhook-signature"],
        ["svix-id", "svix-timestamp", "svix-signature"],
    ] {
        let values = [v.id, ts.as_str(), v.expected];
        for repeated in 0..3 {
            let mut h = headers(&[
                ("host", "example.com"),
                ("content-type", "application/json"),
            ]);
            for (name, value) in names.iter().zip(values) {
                h.append(*name, value.parse().unwrap());
            }
            h.append("user-agent", "test".parse().unwrap());
            assert!(verifier.verify(&h, v.body, at(v.ts)).is_ok(), "{names:?}");
            h.append(names[repeated], values[repeated].parse().unwrap());
            assert_eq!(
                verifier.verify(&h, v.body, at(v.ts)).unwrap_err(),
                VerifyError::MalformedHeader {
                    header: names[repeated],
                    reason: "header appears more than once"
                }
            );
        }
    }
    let _ = (WEBHOOK_ID, WEBHOOK_TIMESTAMP);
}

#[test]
fn single_v1_entry_errors_match_the_general_path() {
    // One well-formed `v1` entry takes the direct path; the same entry followed by an entry of an
    // unknown version takes the list parser. Both must give the same answer.
    let v = &SYMMETRIC[0];
    let ts = v.ts.to_string();
    let wrong = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let ed = SigningKey::parse(D_SECRET).unwrap().verifying_key();
    let rings: [StandardVerifier; 3] = [
        StandardVerifier::new(WebhookSecret::parse(v.secret).unwrap()),
        StandardVerifier::new(ed),
        {
            let mut both = StandardVerifier::new(ed);
            both.keys_mut()
                .rotate(
                    WebhookSecret::parse(v.secret).unwrap().into(),
                    at(v.ts + 60),
                )
                .unwrap();
            both
        },
    ];
    for verifier in &rings {
        for signature in [v.expected, wrong] {
            let single = request(v.id, &ts, signature);
            let direct = verifier.verify(&single, v.body, at(v.ts));
            let listed = request(v.id, &ts, &format!("{signature} v9,x"));
            let general = verifier.verify(&listed, v.body, at(v.ts));
            assert_eq!(direct, general, "{verifier:?} {signature}");
        }
    }
}

#[test]
fn empty_secret_is_rejected() {
    assert_eq!(
        WebhookSecret::parse("whsec_").unwrap_err(),
        KeyError::Empty {
            kind: "whsec_ secret"
        }
    );
    assert!(matches!(
        WebhookSecret::parse(""),
        Err(KeyError::Empty { .. })
    ));
}

#[test]
fn errors_never_contain_the_expected_signature() {
    let (verifier, v) = vector_a();
    let expected_b64 = v.expected.trim_start_matches("v1,");
    let wrong = SYMMETRIC[1].expected;
    let err = verifier
        .verify(&request(v.id, &v.ts.to_string(), wrong), v.body, at(v.ts))
        .unwrap_err();
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(expected_b64), "{shown}");
        assert!(!shown.contains("MfKQ9r8GKYqr"), "{shown}");
    }
    assert_eq!(
        err.to_string(),
        "no signature in `webhook-signature` matches (1 checked against 1 active keys)"
    );
}

#[test]
fn signer_rejects_ids_that_break_the_signed_content() {
    let signer = StandardSigner::new(WebhookSecret::generate().unwrap());
    for bad in ["", "a.b", "has space", "ünicode", &"x".repeat(256)] {
        assert!(
            matches!(
                signer.sign(bad, at(1), b"{}"),
                Err(switchboard_webhooks::sign::SignError::InvalidMessageId { .. })
            ),
            "{bad:?}"
        );
    }
    assert_eq!(
        signer.sign(
            "msg_1",
            std::time::UNIX_EPOCH - std::time::Duration::from_secs(1),
            b""
        ),
        Err(switchboard_webhooks::sign::SignError::TimestampBeforeEpoch)
    );
}

#[test]
fn svix_header_names_are_accepted() {
    let (verifier, v) = vector_a();
    let ts = v.ts.to_string();
    let svix = headers(&[
        ("svix-id", v.id),
        ("svix-timestamp", &ts),
        ("svix-signature", v.expected),
    ]);
    let ok = verifier.verify(&svix, v.body, at(v.ts)).unwrap();
    assert_eq!(ok.message_id, Some(v.id));
    // Errors name the headers that were read.
    let wrong = headers(&[
        ("svix-id", v.id),
        ("svix-timestamp", &ts),
        ("svix-signature", D_EXPECTED),
    ]);
    assert_eq!(
        verifier.verify(&wrong, v.body, at(v.ts)).unwrap_err(),
        VerifyError::NoSupportedSignature {
            header: "svix-signature",
            expected: "v1"
        }
    );
    // `webhook-id` present: the standard names are used, and a missing one is reported as such.
    let mixed = headers(&[
        ("webhook-id", v.id),
        ("svix-timestamp", &ts),
        ("svix-signature", v.expected),
    ]);
    assert_eq!(
        verifier.verify(&mixed, v.body, at(v.ts)).unwrap_err(),
        VerifyError::MissingHeader {
            header: "webhook-timestamp"
        }
    );
}

#[test]
fn signature_only_and_values_only_apis_match_the_vectors() {
    for v in &SYMMETRIC {
        let secret = WebhookSecret::parse(v.secret).unwrap();
        let signer = StandardSigner::new(secret.clone());
        assert_eq!(
            signer.signature(v.id, at(v.ts), v.body).unwrap(),
            v.expected
        );
        let verifier = StandardVerifier::new(secret);
        let ts = v.ts.to_string();
        let ok = verifier
            .verify_values(v.id, &ts, v.expected, v.body, at(v.ts))
            .unwrap();
        assert_eq!(ok.message_id, Some(v.id));
        assert_eq!(
            verifier
                .verify_values(v.id, &ts, "v1,", v.body, at(v.ts))
                .unwrap_err(),
            VerifyError::MalformedHeader {
                header: "webhook-signature",
                reason: "entry has an empty signature"
            }
        );
    }
    let signer = StandardSigner::new(WebhookSecret::generate().unwrap());
    assert!(matches!(
        signer.signature("a.b", at(1), b""),
        Err(switchboard_webhooks::sign::SignError::InvalidMessageId { .. })
    ));
}

/// A malformed `webhook-id` is refused before any HMAC, with the reason, on both entry points;
/// spaces are allowed (the spec only forbids `.`), as in the values accepted when signing.
#[test]
fn malformed_message_ids_are_refused_with_their_reason() {
    let (verifier, v) = vector_a();
    let ts = v.ts.to_string();
    for (id, reason) in [
        ("", "message id is empty"),
        (
            "msg.1",
            "message id contains `.`, which delimits the signed content",
        ),
        ("msg_é", "value is not visible ASCII"),
    ] {
        let mut headers = request("placeholder", &ts, "v1,AAAA");
        headers.insert(
            "webhook-id",
            http::HeaderValue::from_bytes(id.as_bytes()).unwrap(),
        );
        let err = verifier.verify(&headers, v.body, at(v.ts)).unwrap_err();
        assert!(
            matches!(err, VerifyError::MalformedHeader { header: "webhook-id", reason: r } if r == reason),
            "{id:?}: {err:?}"
        );
        // `verify_values` takes a `&str` and only checks what the spec forbids.
        if id.is_ascii() {
            let err = verifier
                .verify_values(id, &ts, "v1,AAAA", v.body, at(v.ts))
                .unwrap_err();
            assert!(
                matches!(err, VerifyError::MalformedHeader { header: "webhook-id", reason: r } if r == reason),
                "values {id:?}: {err:?}"
            );
        }
    }
    // A space is not a delimiter: the id is accepted and the signature is what fails.
    let err = verifier
        .verify(&request("msg 1", &ts, v.expected), v.body, at(v.ts))
        .unwrap_err();
    assert!(
        matches!(err, VerifyError::SignatureMismatch { .. }),
        "{err:?}"
    );
}
