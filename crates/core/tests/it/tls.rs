//! HTTPS with the ring provider: ALPN picks HTTP/2, private roots, and certificate failures.

use std::{net::SocketAddr, sync::Arc};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, body::Incoming, service::service_fn};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use switchboard_core::{Client, RetryPolicy, http::Version};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const CA: &[u8] = include_bytes!("fixtures/ca.pem");
const CERT: &[u8] = include_bytes!("fixtures/server.pem");
const KEY: &[u8] = include_bytes!("fixtures/server.key");

/// An HTTPS server for `localhost` that speaks HTTP/1.1 and HTTP/2 and answers with the version.
async fn start_tls() -> SocketAddr {
    let certs = vec![CertificateDer::from_pem_slice(CERT).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(KEY).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = service_fn(|req: Request<Incoming>| async move {
                    let body = format!("{:?}", req.version());
                    Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from(body))))
                });
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    addr
}

fn ca_der() -> Vec<u8> {
    CertificateDer::from_pem_slice(CA).unwrap().to_vec()
}

#[tokio::test]
async fn https_negotiates_http2_with_a_private_root() {
    let addr = start_tls().await;
    let client = Client::builder()
        .add_root_certificate(ca_der())
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/", addr.port());
    let res = client.get(&url).send().await.unwrap();
    assert_eq!(res.version(), Version::HTTP_2);
    assert_eq!(res.text().await.unwrap(), "HTTP/2.0");
    // Several requests share the HTTP/2 connection.
    for _ in 0..3 {
        assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    }

    let h1 = Client::builder()
        .add_root_certificate(ca_der())
        .http1_only()
        .build()
        .unwrap();
    let res = h1.get(&url).send().await.unwrap();
    assert_eq!(res.version(), Version::HTTP_11);
}

#[tokio::test]
async fn untrusted_certificate_is_a_connect_error_and_not_retried() {
    let addr = start_tls().await;
    let client = Client::builder()
        .retry(RetryPolicy::default().max_attempts(3))
        .build()
        .unwrap();
    let err = client
        .get(&format!("https://localhost:{}/", addr.port()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(
        err.attempts(),
        1,
        "a certificate failure is not transient: {err:?}"
    );
    assert!(format!("{err}").contains("certificate"), "{err}");
}

#[tokio::test]
async fn https_only_refuses_plain_http() {
    let client = Client::builder().https_only(true).build().unwrap();
    let err = client.get("http://127.0.0.1:9/").send().await.unwrap_err();
    assert_eq!(
        err.kind(),
        switchboard_core::ErrorKind::InvalidRequest,
        "{err:?}"
    );
    assert_eq!(err.attempts(), 0);
}

#[test]
fn invalid_root_certificate_is_a_build_error() {
    let err = Client::builder()
        .add_root_certificate(b"not der".to_vec())
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), switchboard_core::ErrorKind::Config);
}
