//! Secret values that never print, and redaction of credentials carried in URLs.

use std::fmt;

use url::Url;

/// The text that replaces every redacted value.
pub const REDACTED: &str = "REDACTED";

/// A credential (password, token, API key) that is never shown by `Debug` or `Display`.
///
/// Read the value with [`Secret::expose`] only where it is put on the wire.
///
/// ```
/// use switchboard_core::Secret;
/// let key = Secret::new("sk-live-123");
/// assert_eq!(format!("{key:?}"), "Secret(REDACTED)");
/// assert_eq!(key.to_string(), "REDACTED");
/// assert_eq!(key.expose(), "sk-live-123");
/// ```
#[derive(Clone)]
pub struct Secret(Box<str>);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into().into_boxed_str())
    }

    /// The credential itself; call only where it goes on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the credential is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl PartialEq for Secret {
    /// Compares in constant time for equal lengths, so comparing against a secret does not
    /// reveal how much of it matched.
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Eq for Secret {}

/// A secret reads from a plain string (a config value, typically `${VAR}`-substituted).
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::from)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A secret: never shown in logs or debug output (use `${VAR}`)."
        })
    }

    fn inline_schema() -> bool {
        true
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

/// Query parameter names whose values are credentials (compared case-insensitively).
const SECRET_PARAMS: &[&str] = &[
    "key",
    "api_key",
    "apikey",
    "api-key",
    "appid",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "auth",
    "authorization",
    "sig",
    "signature",
    "secret",
    "password",
    "passwd",
    "pwd",
    "client_secret",
    "code",
    "credential",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
];

/// Whether a query parameter name looks like it carries a credential.
pub(crate) fn is_secret_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_PARAMS.contains(&lower.as_str())
        || lower.ends_with("token")
        || lower.ends_with("_key")
        || lower.ends_with("-key")
        || lower.ends_with("apikey")
        || lower.contains("secret")
        || lower.contains("password")
        || lower.contains("signature")
}

/// Returns `url` with credentials masked, for logs and error messages.
///
/// Masks userinfo, the values of key-like query parameters (`key`, `api_key`, `appid`, `token`,
/// `access_token`, `sig`, `signature`, `secret`, `password`, `client_secret`, and names ending in
/// `token`/`_key` or containing `secret`/`password`), the fragment, and the secret parts of known
/// webhook URLs (Slack, Discord, Zapier, IFTTT, Microsoft Teams, Telegram bots).
/// A string that does not parse as a URL is replaced as a whole.
///
/// ```
/// use switchboard_core::redact_url;
/// assert_eq!(
///     redact_url("https://user:pw@api.example.com/v1?q=rust&api_key=abc"),
///     "https://REDACTED@api.example.com/v1?q=rust&api_key=REDACTED"
/// );
/// assert_eq!(
///     redact_url("https://hooks.slack.com/services/T000/B000/XXXX"),
///     "https://hooks.slack.com/services/REDACTED"
/// );
/// ```
pub fn redact_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(url) => redact(&url),
        Err(_) => format!("[unparseable URL {REDACTED}]"),
    }
}

/// [`redact_url`] for an already parsed URL.
pub fn redact(url: &Url) -> String {
    let mut out = String::with_capacity(url.as_str().len());
    out.push_str(url.scheme());
    out.push(':');
    if let Some(host) = url.host_str() {
        out.push_str("//");
        if !url.username().is_empty() || url.password().is_some() {
            out.push_str(REDACTED);
            out.push('@');
        }
        out.push_str(host);
        if let Some(port) = url.port() {
            out.push(':');
            out.push_str(&port.to_string());
        }
    }
    out.push_str(&redact_path(url.host_str().unwrap_or(""), url.path()));
    if let Some(query) = url.query() {
        out.push('?');
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            let (raw_name, has_value) = match pair.split_once('=') {
                Some((name, _)) => (name, true),
                None => (pair, false),
            };
            let name: String = url::form_urlencoded::parse(raw_name.as_bytes())
                .next()
                .map(|(k, _)| k.into_owned())
                .unwrap_or_default();
            if has_value && is_secret_param(&name) {
                out.push_str(raw_name);
                out.push('=');
                out.push_str(REDACTED);
            } else {
                out.push_str(pair);
            }
        }
    }
    if url.fragment().is_some() {
        out.push('#');
        out.push_str(REDACTED);
    }
    out
}

/// Whether `segments` end like an IFTTT Maker trigger: `…/trigger/{event}/with/key/{key}` or
/// `…/trigger/{event}/json/with/key/{key}`.
fn is_ifttt_trigger(segments: &[&str]) -> bool {
    segments.iter().enumerate().any(|(i, s)| {
        let rest = segments.get(i + 2..).unwrap_or_default();
        *s == "trigger"
            && (rest.starts_with(&["with", "key"]) || rest.starts_with(&["json", "with", "key"]))
    })
}

/// Masks the secret segments of well-known webhook URLs whose path is the credential.
fn redact_path(host: &str, path: &str) -> String {
    let host = host.to_ascii_lowercase();
    let segments: Vec<&str> = path.split('/').collect();
    // `segments[0]` is the empty string before the leading slash.
    let keep = |n: usize| -> String {
        let mut kept = segments[..n.min(segments.len())].join("/");
        kept.push('/');
        kept.push_str(REDACTED);
        kept
    };
    match host.as_str() {
        "hooks.slack.com" if segments.get(1) == Some(&"services") && segments.len() > 2 => keep(2),
        "hooks.slack.com" if segments.get(1) == Some(&"workflows") && segments.len() > 2 => keep(2),
        // Zapier Catch Hooks and IFTTT Maker paths carry their credential on any host: a proxy
        // or relay in front of the service passes the same path on.
        _ if path.starts_with("/hooks/catch/") => keep(3),
        "discord.com" | "discordapp.com" | "ptb.discord.com" | "canary.discord.com" => {
            // /api/webhooks/{id}/{token} or /api/v10/webhooks/{id}/{token}
            match segments.iter().position(|s| *s == "webhooks") {
                Some(i) if segments.len() > i + 2 => keep(i + 2),
                _ => path.to_owned(),
            }
        }
        _ if is_ifttt_trigger(&segments) => match segments.iter().position(|s| *s == "key") {
            Some(i) if segments.len() > i + 1 => {
                let mut out = keep(i + 1);
                // Keep nothing after the key: it is the last meaningful segment.
                if out.ends_with('/') {
                    out.pop();
                }
                out
            }
            _ => path.to_owned(),
        },
        "api.telegram.org" if segments.get(1).is_some_and(|s| s.starts_with("bot")) => {
            let mut out = String::from("/bot");
            out.push_str(REDACTED);
            for s in &segments[2..] {
                out.push('/');
                out.push_str(s);
            }
            out
        }
        h if h.ends_with(".webhook.office.com") || h.ends_with(".logic.azure.com") => keep(2),
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_known_secret_urls() {
        let cases = [
            (
                "https://discord.com/api/webhooks/123/tok-en",
                "https://discord.com/api/webhooks/123/REDACTED",
            ),
            (
                "https://discord.com/api/v10/webhooks/123/tok?wait=true",
                "https://discord.com/api/v10/webhooks/123/REDACTED?wait=true",
            ),
            (
                "https://hooks.zapier.com/hooks/catch/123/abc/",
                "https://hooks.zapier.com/hooks/catch/REDACTED",
            ),
            (
                "https://maker.ifttt.com/trigger/door/with/key/k3y",
                "https://maker.ifttt.com/trigger/door/with/key/REDACTED",
            ),
            (
                "https://maker.ifttt.com/trigger/door/json/with/key/k3y",
                "https://maker.ifttt.com/trigger/door/json/with/key/REDACTED",
            ),
            (
                "http://127.0.0.1:8080/ifttt/trigger/door/json/with/key/k3y",
                "http://127.0.0.1:8080/ifttt/trigger/door/json/with/key/REDACTED",
            ),
            (
                "http://relay.example/hooks/catch/123/abc/silent/",
                "http://relay.example/hooks/catch/REDACTED",
            ),
            (
                "https://example.com/trigger/happy/path/key/value",
                "https://example.com/trigger/happy/path/key/value",
            ),
            (
                "https://api.openweathermap.org/data/2.5/weather?q=Paris&appid=abc",
                "https://api.openweathermap.org/data/2.5/weather?q=Paris&appid=REDACTED",
            ),
            (
                "https://chat.googleapis.com/v1/spaces/X/messages?key=k&token=t",
                "https://chat.googleapis.com/v1/spaces/X/messages?key=REDACTED&token=REDACTED",
            ),
            (
                "https://x.example/cb?Client_Secret=a&SIG=b&plain=c#access_token=z",
                "https://x.example/cb?Client_Secret=REDACTED&SIG=REDACTED&plain=c#REDACTED",
            ),
            (
                "https://user@h.example:8443/",
                "https://REDACTED@h.example:8443/",
            ),
            ("not a url with secret", "[unparseable URL REDACTED]"),
            (
                "https://api.telegram.org/bot123:abc/sendMessage",
                "https://api.telegram.org/botREDACTED/sendMessage",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(redact_url(input), want, "input {input}");
        }
    }

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?} {s} {s:#?}").contains("hunter2"));
    }
}
