//! Webhook URLs that are credentials: parsed once, shown only with their secret part masked.

use std::fmt;

use switchboard_core::REDACTED;
use url::Url;

/// A webhook URL whose path or query is the credential (Slack, Discord, Teams, Google Chat,
/// Zapier Catch Hooks, IFTTT).
///
/// `Debug` and `Display` show only the scheme, host and port followed by `/REDACTED`, whatever
/// the host, so a self-hosted relay or a test server leaks nothing either.
///
/// ```
/// use switchboard_connectors::WebhookUrl;
/// let url = WebhookUrl::parse("https://hooks.slack.com/services/T0/B0/XXXX")?;
/// assert_eq!(url.to_string(), "https://hooks.slack.com/REDACTED");
/// assert_eq!(format!("{url:?}"), "WebhookUrl(https://hooks.slack.com/REDACTED)");
/// # Ok::<(), switchboard_connectors::InvalidHookUrl>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    url: Url,
}

/// Why a webhook URL was refused; never contains the URL's secret part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid webhook URL: {reason}")]
pub struct InvalidHookUrl {
    reason: String,
}

impl InvalidHookUrl {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// What was wrong.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl WebhookUrl {
    /// Parses an `http`/`https` URL with a host.
    ///
    /// # Errors
    /// When the text is not a URL, its scheme is not `http`/`https`, or it has no host; the
    /// error never repeats the URL.
    pub fn parse(input: &str) -> Result<Self, InvalidHookUrl> {
        let url = Url::parse(input.trim())
            .map_err(|e| InvalidHookUrl::new(format!("not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(InvalidHookUrl::new(format!(
                "scheme {:?} is not http or https",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(InvalidHookUrl::new("the URL has no host"));
        }
        Ok(Self { url })
    }

    /// The full URL, secret included: only for putting it on the wire.
    pub fn expose(&self) -> &Url {
        &self.url
    }

    /// The URL with everything after the authority masked.
    pub fn redacted(&self) -> String {
        let mut out = format!("{}://", self.url.scheme());
        out.push_str(self.url.host_str().unwrap_or(""));
        if let Some(port) = self.url.port() {
            out.push(':');
            out.push_str(&port.to_string());
        }
        out.push('/');
        out.push_str(REDACTED);
        out
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookUrl({})", self.redacted())
    }
}

impl std::str::FromStr for WebhookUrl {
    type Err = InvalidHookUrl;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Describes a core error without its URL: kind, message, status, attempts and causes.
///
/// Core redacts the URLs of known services, but a webhook on another host (a relay, a test
/// server) would keep its secret path; this text never includes the URL at all.
pub(crate) fn describe(err: &switchboard_core::Error) -> String {
    use std::error::Error as _;
    let mut out = format!("{}: {}", err.kind(), err.message());
    if let Some(status) = err.status() {
        out.push_str(&format!(" (status {status})"));
    }
    if err.attempts() > 1 {
        out.push_str(&format!(" after {} attempts", err.attempts()));
    }
    let mut cause = err.source();
    while let Some(e) = cause {
        out.push_str(": ");
        out.push_str(&e.to_string());
        cause = e.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_everything_after_the_authority() {
        let cases = [
            (
                "https://discord.com/api/webhooks/1/tok?wait=true",
                "https://discord.com/REDACTED",
            ),
            (
                "http://127.0.0.1:8080/hooks/catch/1/2/",
                "http://127.0.0.1:8080/REDACTED",
            ),
            (
                "https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t",
                "https://chat.googleapis.com/REDACTED",
            ),
        ];
        for (input, want) in cases {
            let url = WebhookUrl::parse(input).unwrap();
            assert_eq!(url.to_string(), want);
            assert!(!format!("{url:?}").contains("tok"));
        }
        assert!(WebhookUrl::parse("ftp://x/secret").is_err());
        let err = WebhookUrl::parse("not a url secret").unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }
}
