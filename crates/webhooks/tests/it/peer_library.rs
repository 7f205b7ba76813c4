//! The official Standard Webhooks library (PyPI `standardwebhooks`, pinned in
//! `crates/server/tests/peers/requirements.txt`) against our signer and verifier, both ways.
//!
//! The Python interpreter is `$SWITCHBOARD_PEERS_PYTHON` (the venv `.ci/mcp-peers.sh` builds),
//! else `python3`. Without the library the tests are skipped with the reason printed, unless
//! `SWITCHBOARD_REQUIRE_WEBHOOK_PEERS=1` (set by CI) makes its absence a failure.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::SystemTime;

use serde_json::{Value, json};
use switchboard_webhooks::sign::{StandardSigner, StandardVerifier, Verifier, WebhookSecret};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NEW_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn python() -> String {
    std::env::var("SWITCHBOARD_PEERS_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Runs the peer script with `request`; `None` when the library is missing and not required.
fn peer(request: &Value) -> Option<Value> {
    let py = python();
    let importable = Command::new(&py)
        .args(["-c", "import standardwebhooks"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !importable {
        let reason =
            format!("`{py}` cannot import standardwebhooks (pip install standardwebhooks)");
        assert!(
            std::env::var("SWITCHBOARD_REQUIRE_WEBHOOK_PEERS").as_deref() != Ok("1"),
            "SWITCHBOARD_REQUIRE_WEBHOOK_PEERS=1 but {reason}"
        );
        #[allow(clippy::print_stderr, reason = "the skip reason is the test's output")]
        {
            eprintln!("skipping the standardwebhooks peer test: {reason}");
        }
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/standardwebhooks_peer.py");
    let mut child = Command::new(&py)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "peer script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// What the library says of `body` sent with the headers `signer` produced for it.
fn library_verifies(signer: &StandardSigner, signed_body: &str, sent_body: &str) -> Option<Value> {
    let headers = signer
        .sign("msg_peer_1", SystemTime::now(), signed_body.as_bytes())
        .unwrap()
        .to_header_map();
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), json!(v.to_str().unwrap())))
        .collect();
    peer(&json!({"op": "verify", "secret": SECRET, "body": sent_body, "headers": headers}))
}

#[test]
fn what_we_sign_verifies_with_the_standardwebhooks_library() {
    let signer = StandardSigner::new(WebhookSecret::parse(SECRET).unwrap());
    let body = r#"{"type":"user.joined","data":{"name":"Ada"}}"#;
    let Some(answer) = library_verifies(&signer, body, body) else {
        return;
    };
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(answer["payload"]["data"]["name"], "Ada");
}

#[test]
fn a_body_altered_after_we_signed_it_fails_the_standardwebhooks_library() {
    let signer = StandardSigner::new(WebhookSecret::parse(SECRET).unwrap());
    let Some(answer) = library_verifies(&signer, r#"{"amount":1}"#, r#"{"amount":9}"#) else {
        return;
    };
    assert_eq!(answer["ok"], false, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("Verification"),
        "{answer}"
    );
}

#[test]
fn during_a_rotation_the_library_accepts_our_two_signatures_with_the_old_secret() {
    let mut signer = StandardSigner::new(WebhookSecret::parse(SECRET).unwrap());
    let later = SystemTime::now() + std::time::Duration::from_secs(3600);
    signer
        .keys_mut()
        .rotate(WebhookSecret::parse(NEW_SECRET).unwrap().into(), later)
        .unwrap();
    let body = r#"{"rotated":true}"#;
    let Some(answer) = library_verifies(&signer, body, body) else {
        return;
    };
    assert_eq!(answer["ok"], true, "{answer}");
}

#[test]
fn what_the_standardwebhooks_library_signs_verifies_with_ours() {
    let body = r#"{"type":"order.paid","id":7}"#;
    let now = SystemTime::now();
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let Some(answer) = peer(&json!({
        "op": "sign", "secret": SECRET, "msg_id": "msg_from_python", "timestamp": secs, "body": body
    })) else {
        return;
    };
    let signature = answer["signature"].as_str().unwrap();
    let headers = crate::headers(&[
        ("webhook-id", "msg_from_python"),
        ("webhook-timestamp", &secs.to_string()),
        ("webhook-signature", signature),
    ]);
    let verifier = StandardVerifier::new(WebhookSecret::parse(SECRET).unwrap());
    let verified = verifier.verify(&headers, body.as_bytes(), now).unwrap();
    assert_eq!(verified.message_id, Some("msg_from_python"));
    assert!(
        verifier
            .verify(&headers, br#"{"type":"order.paid","id":8}"#, now)
            .is_err(),
        "an altered body is refused"
    );
}
