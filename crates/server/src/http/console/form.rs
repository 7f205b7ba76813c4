//! The console's posted forms: [`Posted`] is the extractor of every handler that changes
//! something. It requires a live session and the session's CSRF token in the form's `csrf`
//! field (compared in constant time); the browser guard has already refused what another site
//! posted (`Origin`, `Sec-Fetch-Site`). A form without the token is answered 403 and nothing
//! runs.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::Response;
use http::StatusCode;

use super::session::same;
use super::{Operator, view};
use crate::http::AppState;

/// Largest form body read (the Tools page's arguments are the largest forms).
const MAX_FORM: usize = 256 * 1024;

/// A form's fields in order, as posted (`application/x-www-form-urlencoded`).
#[derive(Debug, Default)]
pub(super) struct Fields(Vec<(String, String)>);

impl Fields {
    /// Parses an urlencoded body.
    pub(super) fn parse(body: &[u8]) -> Self {
        Fields(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The first value of `name` as posted (not trimmed), `""` when absent.
    pub(super) fn raw(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name` (ticked checkboxes sharing a name), trimmed, blanks skipped.
    pub(super) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Whether a field (a checked checkbox) is present.
    pub(super) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

/// A state-changing form from a signed-in operator, its CSRF token checked.
#[derive(Debug)]
pub(super) struct Posted {
    /// Who posted it.
    pub(super) operator: Operator,
    /// What was posted (the `csrf` field included).
    pub(super) fields: Fields,
}

impl FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let operator = Operator::from_request_parts(&mut parts, state).await?;
        let fields = read(body).await?;
        let token_ok = fields
            .get("csrf")
            .is_some_and(|token| same(token, &operator.csrf));
        if !token_ok {
            tracing::info!(path = %parts.uri.path(), "console form refused: missing or wrong CSRF token");
            return Err(view::error(
                StatusCode::FORBIDDEN,
                "This form's security token is missing or out of date. Reload the page and try again.",
            ));
        }
        Ok(Posted { operator, fields })
    }
}

/// Reads a form body of at most [`MAX_FORM`] bytes.
pub(super) async fn read(body: axum::body::Body) -> Result<Fields, Response> {
    let bytes = axum::body::to_bytes(body, MAX_FORM).await.map_err(|_| {
        view::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The form is larger than the console accepts (256 KiB).",
        )
    })?;
    Ok(Fields::parse(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_trimmed_first_value_wins() {
        let f = Fields::parse(b"csrf=abc&events=a&events=b&name=%20x%20&flag=on");
        assert_eq!(f.get("name"), Some("x"));
        assert_eq!(f.raw("name"), " x ");
        assert_eq!(f.get("events"), Some("a"));
        assert_eq!(f.all("events").collect::<Vec<_>>(), ["a", "b"]);
        assert!(f.has("flag"));
        assert_eq!(f.get("missing"), None);
    }
}
