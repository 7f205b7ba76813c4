//! Integration tests of the public signing and verification API.

#![allow(clippy::unwrap_used)]

mod loopback;
mod peer_library;
mod properties;
mod providers;
mod replay;
mod rotation;
mod snapshots;
mod standard_vectors;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue};

/// `secs` Unix seconds as a `SystemTime`.
pub(crate) fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A header map from `(name, value)` pairs.
pub(crate) fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}
