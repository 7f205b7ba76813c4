//! Keeping credentials out of `Debug`, `Display` and error messages: URL redaction and message scrubbing.

use std::fmt;

/// Longest engine message passed on to the model; longer ones are cut.
const MAX_MESSAGE_CHARS: usize = 1000;

/// A connection URL that holds credentials. Its `Debug` shows the URL with the password replaced.
#[derive(Clone)]
pub(super) struct SecretUrl {
    raw: String,
    secrets: Secrets,
}

impl SecretUrl {
    pub(super) fn new(raw: &str) -> Self {
        Self {
            raw: raw.to_owned(),
            secrets: Secrets::from_url(raw),
        }
    }

    /// The URL with its credentials, for the driver only.
    pub(super) fn expose(&self) -> &str {
        &self.raw
    }

    /// The URL with the password (and any `password=` query parameter) replaced by `***`.
    pub(super) fn redacted(&self) -> String {
        redact_url(&self.raw)
    }

    pub(super) fn secrets(&self) -> &Secrets {
        &self.secrets
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// The secret strings of one URL, to scrub from any message an engine returns.
#[derive(Clone, Default)]
pub(super) struct Secrets(Vec<String>);

impl Secrets {
    fn from_url(raw: &str) -> Self {
        let mut found = Vec::new();
        if let Ok(url) = url::Url::parse(raw) {
            if let Some(password) = url.password() {
                found.push(password.to_owned());
                if let Ok(decoded) = percent_decode(password) {
                    found.push(decoded);
                }
            }
            for (key, value) in url.query_pairs() {
                if is_secret_param(&key) && !value.is_empty() {
                    found.push(value.into_owned());
                }
            }
        }
        found.retain(|s| !s.is_empty());
        found.sort_by_key(|s| std::cmp::Reverse(s.len()));
        found.dedup();
        Self(found)
    }

    /// `message` with every secret replaced by `***` and cut to a length fit for the model.
    pub(super) fn scrub(&self, message: &str) -> String {
        let mut out = message.to_owned();
        for secret in &self.0 {
            out = out.replace(secret.as_str(), "***");
        }
        if out.chars().count() > MAX_MESSAGE_CHARS {
            out = out.chars().take(MAX_MESSAGE_CHARS).collect::<String>() + "…";
        }
        out
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} redacted)", self.0.len())
    }
}

fn is_secret_param(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("password") || key.contains("secret") || key == "sslkey" || key.contains("token")
}

fn percent_decode(s: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
}

/// `raw` with the password and secret query parameters replaced by `***`; an unparsable URL is hidden whole.
pub(super) fn redact_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return "[unparsable URL redacted]".to_owned();
    };
    if url.password().is_some() && url.set_password(Some("***")).is_err() {
        return "[URL redacted]".to_owned();
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_secret_param(&k) {
                    "***".to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_and_query_secrets_are_redacted() {
        let raw = "postgres://app:s%40cret@db.internal:5432/x?sslmode=disable&password=other";
        let red = redact_url(raw);
        assert!(!red.contains("s%40cret") && !red.contains("other"), "{red}");
        assert!(red.contains("app:***@db.internal"), "{red}");
        let secrets = Secrets::from_url(raw);
        let msg = secrets.scrub("failed for s@cret and s%40cret and other");
        assert_eq!(msg, "failed for *** and *** and ***");
    }

    #[test]
    fn unparsable_url_is_hidden() {
        assert_eq!(redact_url("not a url:pw"), "[unparsable URL redacted]");
    }
}
