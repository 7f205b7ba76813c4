//! The request of the current hop as it goes on the wire, and the checks of its destination.

use std::{fmt, net::IpAddr};

use http::{Method, Uri};
use url::Url;

use crate::{
    auth::Auth,
    client::ClientInner,
    error::{Error, ErrorKind},
    secret::redact,
};

/// Renders a URL redacted only when a log event is actually emitted.
pub(super) struct Redacted<'a>(pub(super) &'a Url);

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(self.0))
    }
}

/// The request as it goes on the wire for the current hop.
pub(super) struct Target {
    pub(super) method: Method,
    /// The URL without query-parameter credentials: shown in errors and responses.
    pub(super) url: Url,
    /// The URL sent, with any query-parameter credential.
    pub(super) uri: Uri,
    /// Whether credentials apply (false after a cross-origin redirect).
    pub(super) with_auth: bool,
}

fn to_uri(url: &Url) -> Result<Uri, Error> {
    url.as_str().parse::<Uri>().map_err(|e| {
        Error::new(
            ErrorKind::InvalidRequest,
            format!("URL {} cannot be sent", redact(url)),
        )
        .with_source(e)
    })
}

impl Target {
    pub(super) fn new(
        method: Method,
        url: Url,
        auth: &Auth,
        with_auth: bool,
    ) -> Result<Self, Error> {
        let uri = match auth {
            Auth::ApiKeyQuery { name, value } if with_auth => {
                let mut wire = url.clone();
                wire.query_pairs_mut().append_pair(name, value.expose());
                to_uri(&wire)?
            }
            _ => to_uri(&url)?,
        };
        Ok(Self {
            method,
            url,
            uri,
            with_auth,
        })
    }
}

/// Refuses plain `http` when only `https` is allowed, and an IP-literal host the policy denies
/// (host names are checked by the resolver).
pub(super) fn check_destination(inner: &ClientInner, url: &Url) -> Result<(), Error> {
    if inner.https_only && url.scheme() != "https" {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "the client is https-only and the URL is not https",
        ));
    }
    if !inner.net.checks_anything() {
        return Ok(());
    }
    let ip: Option<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        _ => None,
    };
    if let Some(ip) = ip {
        let host = url.host_str().unwrap_or_default();
        inner.net.check_ip(host, ip).map_err(|violation| {
            Error::new(
                ErrorKind::BlockedByPolicy,
                "destination refused by the network policy",
            )
            .with_source(violation)
        })?;
    }
    Ok(())
}
