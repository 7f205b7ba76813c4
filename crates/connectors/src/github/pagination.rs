//! GitHub pagination: follow `Link: <…>; rel="next"` until there is none, as a stream of items.

use std::{
    fmt,
    pin::Pin,
    task::{Context, Poll},
};

use futures_util::{Stream, StreamExt, TryStreamExt, stream};
use switchboard_core::http::HeaderMap;
use url::Url;

use super::{client::GitHub, error::GitHubError, models::Repository};
use crate::common::{decode_list, same_origin};

/// Repositories across every page; each page is fetched when the previous one is used up.
/// An error ends the stream after it is yielded.
#[must_use = "streams do nothing unless polled"]
pub struct RepositoryStream {
    inner: Pin<Box<dyn Stream<Item = Result<Repository, GitHubError>> + Send>>,
}

impl fmt::Debug for RepositoryStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RepositoryStream").finish_non_exhaustive()
    }
}

impl RepositoryStream {
    pub(super) fn new(gh: GitHub, first: Result<Url, GitHubError>) -> Self {
        let pages = stream::try_unfold((gh, Some(first)), |(gh, next)| async move {
            let url = match next {
                None => return Ok::<_, GitHubError>(None),
                Some(url) => url?,
            };
            let res = gh.send(gh.http.get(url.as_str())).await?;
            let next = next_link(&res.headers).map(|link| {
                let url = Url::parse(&link)
                    .map_err(|e| GitHubError::Pagination(format!("next link is not a URL: {e}")))?;
                if same_origin(&gh.base, &url) {
                    Ok(url)
                } else {
                    Err(GitHubError::Pagination(format!(
                        "next link leaves the API origin: {}",
                        switchboard_core::redact(&url)
                    )))
                }
            });
            let items: Vec<Repository> = decode_list(&res.body).map_err(GitHubError::Decode)?;
            Ok(Some((items, (gh, next))))
        });
        let items = pages
            .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
            .try_flatten();
        // Stop after the first error instead of polling further pages.
        let mut failed = false;
        let fused = items.take_while(move |item| {
            let keep = !failed;
            failed |= item.is_err();
            std::future::ready(keep)
        });
        Self {
            inner: Box::pin(fused),
        }
    }
}

impl Stream for RepositoryStream {
    type Item = Result<Repository, GitHubError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// The `rel="next"` target of a `Link` header.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|part| {
            let (target, params) = part.trim().split_once(';')?;
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            let is_next = params.split(';').any(|p| {
                let Some((k, v)) = p.trim().split_once('=') else {
                    return false;
                };
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim()
                        .trim_matches('"')
                        .split_whitespace()
                        .any(|r| r == "next")
            });
            is_next.then(|| target.to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::http::HeaderValue;

    #[test]
    fn finds_next_among_rels() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            HeaderValue::from_static(
                r#"<https://api.github.com/user/repos?page=1>; rel="prev", <https://api.github.com/user/repos?page=3>; rel="next", <https://api.github.com/user/repos?page=9>; rel="last""#,
            ),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/user/repos?page=3")
        );
        h.insert(
            "link",
            HeaderValue::from_static(r#"<https://x/?page=1>; rel="first""#),
        );
        assert_eq!(next_link(&h), None);
    }
}
