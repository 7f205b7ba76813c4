//! One delivery attempt: sign, POST the exact bytes, and classify the answer.

use std::time::{Duration, Instant, SystemTime};

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use switchboard_core::retry::parse_retry_after;
use switchboard_core::{Client, ErrorKind, RetryPolicy};

use super::decide::Outcome;
use crate::delivery::config::DeliveryConfig;
use crate::delivery::model::AttemptErrorKind;
use crate::delivery::store::Claim;
use crate::sign::StandardSigner;

/// The signer of a claim's endpoint keys, or why they cannot sign (reported as a request
/// error). Built once per endpoint per claimed batch, not once per attempt: parsing the keys
/// and keying the HMAC cost as much as signing.
pub(super) type Signer = Result<StandardSigner, String>;

/// What the receiver did, before the latency is known.
struct Answer {
    status: Option<StatusCode>,
    body: Option<String>,
    retry_after: Option<Duration>,
    error_kind: Option<AttemptErrorKind>,
    error: Option<String>,
}

impl Answer {
    fn failed(kind: AttemptErrorKind, error: String) -> Self {
        Self {
            status: None,
            body: None,
            retry_after: None,
            error_kind: Some(kind),
            error: Some(error),
        }
    }
}

/// Sends one attempt of `claim`, signed by `signer` at `now`, and returns what the receiver
/// did.
pub(super) async fn attempt(
    client: &Client,
    config: &DeliveryConfig,
    claim: &Claim,
    signer: &Signer,
    now: SystemTime,
) -> Outcome {
    let started = Instant::now();
    let answer = send(client, config, claim, signer, now).await;
    Outcome {
        status: answer.status.map(|s| s.as_u16()),
        body: answer.body,
        retry_after: answer.retry_after,
        error_kind: answer.error_kind,
        error: answer.error,
        latency: started.elapsed(),
    }
}

fn request_headers(claim: &Claim, signer: &Signer, now: SystemTime) -> Result<HeaderMap, String> {
    let signed = signer
        .as_ref()
        .map_err(Clone::clone)?
        .sign(claim.message.id.as_str(), now, &claim.message.payload)
        .map_err(|e| format!("signing failed: {e}"))?;
    let mut headers = HeaderMap::with_capacity(4 + claim.endpoint.headers.len());
    for (name, value) in &claim.endpoint.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("invalid header name {name:?}"))?;
        let value =
            HeaderValue::from_str(value).map_err(|_| format!("invalid value for header {name}"))?;
        headers.append(name, value);
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    signed.append_to(&mut headers);
    Ok(headers)
}

async fn send(
    client: &Client,
    config: &DeliveryConfig,
    claim: &Claim,
    signer: &Signer,
    now: SystemTime,
) -> Answer {
    let headers = match request_headers(claim, signer, now) {
        Ok(h) => h,
        Err(e) => return Answer::failed(AttemptErrorKind::Request, e),
    };
    let sent = client
        .post(&claim.endpoint.url)
        .headers(headers)
        .body(claim.message.payload.clone())
        .timeout(config.request_timeout)
        .retry(RetryPolicy::none())
        .send()
        .await;
    let mut response = match sent {
        Ok(r) => r,
        Err(e) => {
            let kind = match e.kind() {
                ErrorKind::Timeout => AttemptErrorKind::Timeout,
                ErrorKind::Connect => AttemptErrorKind::Connect,
                ErrorKind::BlockedByPolicy => AttemptErrorKind::Blocked,
                ErrorKind::InvalidRequest | ErrorKind::Config => AttemptErrorKind::Request,
                _ => AttemptErrorKind::Transport,
            };
            // core's errors carry the redacted URL and never a secret.
            return Answer::failed(kind, e.to_string());
        }
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    // Keep the start of the body; stop reading once the limit is reached.
    let mut body = Vec::new();
    let mut body_error = None;
    while body.len() < config.response_body_limit {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => {
                body_error = Some(e);
                break;
            }
        }
    }
    body.truncate(config.response_body_limit);
    let body = (!body.is_empty()).then(|| String::from_utf8_lossy(&body).into_owned());
    if status.is_success() {
        // The receiver answered 2xx: it has the message, even if its body broke off.
        return Answer {
            status: Some(status),
            body,
            retry_after: None,
            error_kind: None,
            error: None,
        };
    }
    let error = match body_error {
        Some(e) => format!("HTTP {status}; reading the body failed: {e}"),
        None if status.is_redirection() => {
            format!("HTTP {status}: redirects are not followed; register the final URL")
        }
        None => format!("HTTP {status}"),
    };
    Answer {
        status: Some(status),
        body,
        retry_after,
        error_kind: Some(AttemptErrorKind::Status),
        error: Some(error),
    }
}
