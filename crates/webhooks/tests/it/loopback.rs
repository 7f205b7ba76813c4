//! A real receiver on 127.0.0.1: an axum server verifies what a signer sent over TCP.

use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use switchboard_webhooks::sign::{
    SignedHeaders, StandardSigner, StandardVerifier, Verifier, WebhookSecret,
};

use crate::at;

const NOW: u64 = 1_700_000_000;

struct Receiver {
    verifier: Box<dyn Verifier>,
    now: SystemTime,
}

/// Answers 200 with the message id when the signature checks out, 401 with the error text otherwise.
async fn hook(
    State(rx): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    match rx.verifier.verify(&headers, &body, rx.now) {
        Ok(v) => (StatusCode::OK, v.message_id.unwrap_or_default().to_owned()),
        Err(e) => (StatusCode::UNAUTHORIZED, e.to_string()),
    }
}

async fn serve(verifier: Box<dyn Verifier>) -> SocketAddr {
    let state = Arc::new(Receiver {
        verifier,
        now: at(NOW),
    });
    let app = Router::new().route("/hook", post(hook)).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Sends a raw HTTP/1.1 POST with the signed headers and exact body; returns status and body.
async fn post_raw(addr: SocketAddr, signed: &SignedHeaders<'_>, body: Vec<u8>) -> (u16, String) {
    let headers = signed.to_header_map();
    tokio::task::spawn_blocking(move || {
        let mut request = format!(
            "POST /hook HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
            body.len()
        )
        .into_bytes();
        for (name, value) in &headers {
            request.extend_from_slice(name.as_str().as_bytes());
            request.extend_from_slice(b": ");
            request.extend_from_slice(value.as_bytes());
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"\r\n");
        request.extend_from_slice(&body);
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.write_all(&request).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response[9..12].parse().unwrap();
        let text = response
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        (status, text)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn receiver_accepts_exact_bytes_and_rejects_tampering() {
    let secret = WebhookSecret::generate().unwrap();
    let signer = StandardSigner::new(secret.clone());
    let addr = serve(Box::new(StandardVerifier::new(secret))).await;

    // Not UTF-8, not JSON: the signature covers the bytes, whatever they are.
    let body = vec![0xff, 0x00, b'{', 0xc3, 0x28, b'}'];
    let signed = signer.sign("msg_loopback", at(NOW - 30), &body).unwrap();
    assert_eq!(
        post_raw(addr, &signed, body.clone()).await,
        (200, "msg_loopback".to_owned())
    );

    let mut tampered = body.clone();
    tampered[0] = 0xfe;
    let (status, text) = post_raw(addr, &signed, tampered).await;
    assert_eq!(status, 401);
    assert_eq!(
        text,
        "no signature in `webhook-signature` matches (1 checked against 1 active keys)"
    );

    let stale = signer.sign("msg_loopback", at(NOW - 301), &body).unwrap();
    let (status, text) = post_raw(addr, &stale, body).await;
    assert_eq!(status, 401);
    assert!(
        text.starts_with("timestamp in `webhook-timestamp` is too old"),
        "{text}"
    );
}
