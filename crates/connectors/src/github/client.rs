//! The GitHub client: configuration, headers, authentication and the operations.

use std::sync::Arc;

use switchboard_core::{Auth, Client, ClientBuilder, RequestBuilder, Secret};
use url::Url;

use super::{
    error::{GitHubApiError, GitHubError},
    limits::GitHubRateLimits,
    models::{Issue, ListMyRepos, ListUserRepos, NewIssue, Repository},
    pagination::RepositoryStream,
};
use crate::common::{ApiResponse, InputError, base_url, decode, join, read};

/// `https://api.github.com`; GitHub Enterprise Server uses `https://HOST/api/v3`.
pub const DEFAULT_BASE_URL: &str = "https://api.github.com";
/// The REST API version sent in `X-GitHub-Api-Version` unless configured otherwise.
pub const DEFAULT_API_VERSION: &str = "2022-11-28";

/// A GitHub REST client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct GitHub {
    pub(super) http: Client,
    pub(super) base: Arc<Url>,
}

/// Configures a [`GitHub`] client.
#[derive(Debug)]
#[must_use]
pub struct GitHubBuilder {
    user_agent: String,
    token: Option<Secret>,
    base_url: String,
    api_version: String,
    http: ClientBuilder,
}

impl GitHub {
    /// A builder; GitHub requires a `User-Agent` naming the application (e.g. `my-app/1.0`).
    pub fn builder(user_agent: impl Into<String>) -> GitHubBuilder {
        GitHubBuilder {
            user_agent: user_agent.into(),
            token: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            http: Client::builder(),
        }
    }

    /// `GET /repos/{owner}/{repo}`.
    pub async fn repository(&self, owner: &str, repo: &str) -> Result<Repository, GitHubError> {
        segment("owner", owner)?;
        segment("repo", repo)?;
        let url = join(&self.base, &["repos", owner, repo])?;
        let res = self.send(self.http.get(url.as_str())).await?;
        decode(&res.body).map_err(GitHubError::Decode)
    }

    /// `GET /users/{username}/repos`: the user's public repositories, every page, as a stream.
    pub fn user_repositories(&self, username: &str, options: &ListUserRepos) -> RepositoryStream {
        let first = segment("username", username)
            .and_then(|()| options.query())
            .and_then(|q| {
                let mut url = join(&self.base, &["users", username, "repos"])?;
                url.query_pairs_mut().extend_pairs(q);
                Ok(url)
            });
        RepositoryStream::new(self.clone(), first.map_err(GitHubError::from))
    }

    /// `GET /user/repos`: repositories the token's user can access, every page, as a stream.
    pub fn my_repositories(&self, options: &ListMyRepos) -> RepositoryStream {
        let first = options.query().and_then(|q| {
            let mut url = join(&self.base, &["user", "repos"])?;
            url.query_pairs_mut().extend_pairs(q);
            Ok(url)
        });
        RepositoryStream::new(self.clone(), first.map_err(GitHubError::from))
    }

    /// `POST /repos/{owner}/{repo}/issues`.
    pub async fn create_issue(
        &self,
        owner: &str,
        repo: &str,
        issue: &NewIssue,
    ) -> Result<Issue, GitHubError> {
        segment("owner", owner)?;
        segment("repo", repo)?;
        issue.validate()?;
        let url = join(&self.base, &["repos", owner, repo, "issues"])?;
        let res = self.send(self.http.post(url.as_str()).json(issue)).await?;
        decode(&res.body).map_err(GitHubError::Decode)
    }

    pub(super) async fn send(&self, req: RequestBuilder) -> Result<ApiResponse, GitHubError> {
        let res = read(req.send().await?).await?;
        if res.status.is_success() {
            Ok(res)
        } else {
            Err(GitHubApiError::from_response(&res).into())
        }
    }
}

pub(super) fn segment(field: &str, value: &str) -> Result<(), InputError> {
    if value.trim().is_empty() {
        Err(InputError::new(field, "must not be blank"))
    } else if value.contains('/') {
        Err(InputError::new(
            field,
            format!("{value:?} must not contain '/'"),
        ))
    } else {
        Ok(())
    }
}

impl GitHubBuilder {
    /// A token (personal access token, GitHub App installation token) sent as
    /// `Authorization: Bearer`. Without one, requests are unauthenticated (60/h).
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The API root, e.g. `https://github.example.com/api/v3` for GitHub Enterprise Server.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The `X-GitHub-Api-Version` (default [`DEFAULT_API_VERSION`]).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// The core client configuration to start from (timeouts, retry policy, network policy,
    /// sleeper). GitHub's headers, auth and rate-limit hook are added to it.
    pub fn http(mut self, builder: ClientBuilder) -> Self {
        self.http = builder;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<GitHub, GitHubError> {
        if self.user_agent.trim().is_empty() {
            return Err(
                InputError::new("user_agent", "GitHub rejects requests without one").into(),
            );
        }
        if self.api_version.trim().is_empty() {
            return Err(InputError::new("api_version", "must not be blank").into());
        }
        let base = base_url(&self.base_url)?;
        let mut http = self
            .http
            .user_agent(self.user_agent)
            .default_header("accept", "application/vnd.github+json")
            .default_header("x-github-api-version", self.api_version)
            .rate_limit_hook(Arc::new(GitHubRateLimits));
        if let Some(token) = self.token {
            if token.is_empty() {
                return Err(InputError::new("token", "must not be empty").into());
            }
            http = http.auth(Auth::bearer(token));
        }
        Ok(GitHub {
            http: http.build()?,
            base: Arc::new(base),
        })
    }
}
