//! Base URL parsing and path joining with every path segment percent-encoded.

use url::Url;

use super::InputError;

/// Parses a configured base URL: absolute `http`/`https`, no query or fragment.
pub(crate) fn base_url(value: &str) -> Result<Url, InputError> {
    let url = Url::parse(value)
        .map_err(|e| InputError::new("base_url", format!("{value:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(InputError::new(
            "base_url",
            "the scheme must be http or https",
        ));
    }
    if url.host_str().is_none() || url.cannot_be_a_base() {
        return Err(InputError::new("base_url", "the URL has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(InputError::new(
            "base_url",
            "the URL must not have a query or fragment",
        ));
    }
    Ok(url)
}

/// `base` followed by `segments`, each percent-encoded as one path segment (so `/`, `?` and
/// `#` in a value cannot change the path); `.` and `..` are refused.
pub(crate) fn join(base: &Url, segments: &[&str]) -> Result<Url, InputError> {
    if let Some(bad) = segments.iter().find(|s| matches!(**s, "." | "..")) {
        return Err(InputError::new(
            "path",
            format!("{bad:?} is not allowed as a path segment"),
        ));
    }
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
        for segment in segments {
            path.push(segment);
        }
    }
    Ok(url)
}

/// Whether `url` has the same scheme, host and port as `base` (a next-page link elsewhere is
/// refused, so credentials never go to another origin).
pub(crate) fn same_origin(base: &Url, url: &Url) -> bool {
    base.origin() == url.origin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_encodes_segments() {
        let base = base_url("https://api.example.com/v1/").unwrap();
        let url = join(&base, &["repos", "a/b", "x y?#"]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://api.example.com/v1/repos/a%2Fb/x%20y%3F%23"
        );
        assert!(join(&base, &["repos", ".."]).is_err());
    }

    #[test]
    fn base_url_rejects_query() {
        assert!(base_url("https://x.example/?a=1").is_err());
        assert!(base_url("ftp://x.example/").is_err());
        assert!(base_url("nope").is_err());
    }
}
