//! Redirect handling: off by default; when allowed, each hop is validated and re-checked.

use http::{HeaderMap, Method, StatusCode, header};
use url::Url;

use crate::error::{Error, ErrorKind};

/// Whether and how far redirects are followed.
///
/// The default, [`Redirects::none`], returns 3xx responses to the caller. With
/// [`Redirects::limited`], each hop's destination passes the network policy again, an
/// `https` → `http` downgrade is refused, and credentials are dropped when the origin changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Redirects {
    max: usize,
}

impl Redirects {
    /// Redirects are not followed.
    pub fn none() -> Self {
        Self { max: 0 }
    }

    /// Follow up to `max` hops, then fail with a redirect error.
    pub fn limited(max: usize) -> Self {
        Self { max }
    }

    /// The most hops followed.
    pub fn max_hops(&self) -> usize {
        self.max
    }
}

/// The request to send after a redirect.
pub(crate) struct Hop {
    pub(crate) url: Url,
    pub(crate) method: Method,
    pub(crate) drop_body: bool,
    pub(crate) same_origin: bool,
}

/// Works out the next hop of a redirect response, or `None` if `status` is not a followable
/// redirect.
pub(crate) fn next_hop(
    current: &Url,
    method: &Method,
    status: StatusCode,
    headers: &HeaderMap,
) -> Result<Option<Hop>, Error> {
    let (method, drop_body) = match status.as_u16() {
        301..=303 if *method != Method::GET && *method != Method::HEAD => (Method::GET, true),
        301..=303 => (method.clone(), false),
        307 | 308 => (method.clone(), false),
        _ => return Ok(None),
    };
    let Some(location) = headers.get(header::LOCATION) else {
        return Ok(None);
    };
    let location = location
        .to_str()
        .map_err(|_| Error::new(ErrorKind::Redirect, "Location header is not valid text"))?;
    let url = current.join(location).map_err(|e| {
        Error::new(ErrorKind::Redirect, "Location header is not a valid URL").with_source(e)
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::new(
            ErrorKind::Redirect,
            format!("redirect to unsupported scheme {:?}", url.scheme()),
        ));
    }
    if current.scheme() == "https" && url.scheme() == "http" {
        return Err(Error::new(
            ErrorKind::Redirect,
            format!(
                "refusing redirect from https to http ({})",
                crate::secret::redact(&url)
            ),
        ));
    }
    let same_origin = url.origin() == current.origin();
    Ok(Some(Hop {
        url,
        method,
        drop_body,
        same_origin,
    }))
}
