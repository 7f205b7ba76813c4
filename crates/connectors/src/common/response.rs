//! Reading a response once: status, headers, request id and body bytes, and invalid-input
//! errors shared by every service.

use std::fmt;

use switchboard_core::{
    Response,
    http::{HeaderMap, StatusCode},
};

/// A response read to the end (within the client's body limit).
#[derive(Debug)]
pub(crate) struct ApiResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) request_id: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl ApiResponse {
    /// The wait `Retry-After` asks for (delay seconds, fractional tolerated, or an HTTP date),
    /// read by core's one parser.
    pub(crate) fn retry_after(&self) -> Option<std::time::Duration> {
        self.headers
            .get(switchboard_core::http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                switchboard_core::retry::parse_retry_after(v, std::time::SystemTime::now())
            })
    }

    /// The body as text for error messages (lossy UTF-8, at most 1 KiB).
    pub(crate) fn snippet(&self) -> String {
        let end = self.body.len().min(1024);
        String::from_utf8_lossy(&self.body[..end]).into_owned()
    }
}

/// Reads the whole response.
pub(crate) async fn read(res: Response) -> Result<ApiResponse, switchboard_core::Error> {
    let status = res.status();
    let headers = res.headers().clone();
    let request_id = res.request_id().map(str::to_owned);
    let body = res.bytes().await?.to_vec();
    Ok(ApiResponse {
        status,
        headers,
        request_id,
        body,
    })
}

/// An argument that was rejected before anything was sent: which one and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    field: String,
    reason: String,
}

impl InputError {
    pub(crate) fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The argument (a field name or JSON pointer) that was wrong.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Why it was rejected.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.field, self.reason)
    }
}

impl std::error::Error for InputError {}

/// A model that keeps the JSON it was decoded from.
pub(crate) trait WithRaw {
    fn set_raw(&mut self, raw: serde_json::Value);
}

/// Decodes `body` into `T` and keeps the whole JSON in it.
pub(crate) fn decode<T: serde::de::DeserializeOwned + WithRaw>(
    body: &[u8],
) -> Result<T, serde_json::Error> {
    let raw: serde_json::Value = serde_json::from_slice(body)?;
    let mut value = T::deserialize(&raw)?;
    value.set_raw(raw);
    Ok(value)
}

/// Decodes every element of a JSON array into `T`, each keeping its own JSON.
pub(crate) fn decode_list<T: serde::de::DeserializeOwned + WithRaw>(
    body: &[u8],
) -> Result<Vec<T>, serde_json::Error> {
    let raw: Vec<serde_json::Value> = serde_json::from_slice(body)?;
    raw.into_iter()
        .map(|item| {
            let mut value = T::deserialize(&item)?;
            value.set_raw(item);
            Ok(value)
        })
        .collect()
}
