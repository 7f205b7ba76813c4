//! The Jira Cloud client.

use std::sync::Arc;

use switchboard_core::{Auth, Client, ClientBuilder, RequestBuilder, Secret};
use url::Url;

use super::{
    error::{JiraApiError, JiraError},
    limits::JiraRateLimits,
    models::{CreatedIssue, NewIssue},
};
use crate::common::{ApiResponse, InputError, base_url, decode, join, read};

/// A Jira Cloud REST v3 client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Jira {
    pub(super) http: Client,
    pub(super) api: Arc<Url>,
    /// The site root, for issues' web pages (`{site}/browse/KEY`).
    pub(super) site: Arc<Url>,
}

/// Configures a [`Jira`] client.
#[derive(Debug)]
#[must_use]
pub struct JiraBuilder {
    site: String,
    email: String,
    token: Secret,
    http: ClientBuilder,
}

impl Jira {
    /// A builder for a site (`https://your-site.atlassian.net`), authenticated with the
    /// account's email and an API token (Basic auth).
    pub fn builder(
        site: impl Into<String>,
        email: impl Into<String>,
        api_token: impl Into<Secret>,
    ) -> JiraBuilder {
        JiraBuilder {
            site: site.into(),
            email: email.into(),
            token: api_token.into(),
            http: Client::builder(),
        }
    }

    /// `POST /rest/api/3/issue`.
    pub async fn create_issue(&self, issue: &NewIssue) -> Result<CreatedIssue, JiraError> {
        let body = issue.body()?;
        let url = join(&self.api, &["issue"])?;
        let res = self.send(self.http.post(url.as_str()).json(&body)).await?;
        decode(&res.body).map_err(JiraError::Decode)
    }

    /// Sends `req` and reads the answer; an error status becomes [`JiraError::Api`].
    pub(super) async fn send(&self, req: RequestBuilder) -> Result<ApiResponse, JiraError> {
        let res = read(req.send().await?).await?;
        if res.status.is_success() {
            Ok(res)
        } else {
            Err(JiraError::Api(Box::new(JiraApiError::from_response(&res))))
        }
    }
}

impl JiraBuilder {
    /// The core client configuration to start from; auth, `Accept` and the rate-limit hook
    /// are added to it.
    pub fn http(mut self, builder: ClientBuilder) -> Self {
        self.http = builder;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Jira, JiraError> {
        if self.email.trim().is_empty() {
            return Err(InputError::new("email", "must not be blank").into());
        }
        if self.token.is_empty() {
            return Err(InputError::new("api_token", "must not be empty").into());
        }
        let site = base_url(&self.site)?;
        let api = join(&site, &["rest", "api", "3"])?;
        Ok(Jira {
            http: self
                .http
                .auth(Auth::basic(self.email, self.token))
                .default_header("accept", "application/json")
                .rate_limit_hook(Arc::new(JiraRateLimits))
                .build()?,
            api: Arc::new(api),
            site: Arc::new(site),
        })
    }
}
