//! Who may call tools: `[[tools.tokens]]` (named API tokens, each with the tools it may call
//! and whether it may assert users) and `[tools.open_webui]` (the signed user token and the
//! header names Open WebUI sends), with their checks.

use std::ops::Range;

use serde::Deserialize;
use switchboard::core::Secret;
use toml::Spanned;

use super::{MIN_SECRET_LEN, Problem, problem};
use crate::http::auth::TokenHash;

/// The name `tools.auth_token` answers to when callers are listed or logged.
pub const DEFAULT_TOKEN_NAME: &str = "default";

/// `[[tools.tokens]]`: one named API token.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// The caller's name, shown in logs (letters, digits, `-`, `_`, `.`; unique).
    pub name: String,
    /// The token itself (use `${VAR}`; at least 16 characters). Exactly one of `token` and
    /// `token_sha256`.
    #[serde(default)]
    pub token: Option<Secret>,
    /// The SHA-256 digest of the token as 64 hex characters (`printf %s "$TOKEN" | sha256sum`),
    /// so the config need not hold the token.
    #[serde(default)]
    pub token_sha256: Option<String>,
    /// The tools this token may call (default: every tool). Other tools are hidden from it in
    /// `/openapi.json` and MCP `tools/list`, and calling one is refused with 403.
    #[serde(default)]
    pub tools: Option<Vec<String>>,
    /// Whether requests under this token may name their user with the plain Open WebUI headers
    /// (`X-OpenWebUI-User-Id`, …). Off by default: without it those headers are ignored.
    #[serde(default)]
    pub assert_users: bool,
    /// Calls this token may make per minute, as a token bucket: a burst of this many, refilled
    /// continuously (default: unlimited). Over it, calls are answered 429 with `Retry-After`.
    #[serde(default)]
    pub rate_per_minute: Option<u32>,
    /// Tool calls this token may have running at once (default: unlimited). Beyond it, calls
    /// are answered 429 with `Retry-After: 1`.
    #[serde(default)]
    pub max_concurrent: Option<u32>,
}

/// `[tools.open_webui]`: how Open WebUI tells the gateway which user is calling.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenWebUiConfig {
    /// Open WebUI's `FORWARD_USER_INFO_HEADER_JWT_SECRET` (use `${VAR}`; at least 16
    /// characters). With it, the signed user token is verified (HS256, `iss = "open-webui"`,
    /// unexpired) and a request carrying an invalid one is refused with 401.
    #[serde(default)]
    pub jwt_secret: Option<Secret>,
    /// Header of the signed user token (default `X-OpenWebUI-User-Jwt`; Open WebUI's
    /// `FORWARD_USER_INFO_HEADER_JWT`).
    #[serde(default)]
    pub jwt_header: Option<String>,
    /// Header of the plain user id (default `X-OpenWebUI-User-Id`).
    #[serde(default)]
    pub user_id_header: Option<String>,
    /// Header of the plain, percent-encoded user name (default `X-OpenWebUI-User-Name`).
    #[serde(default)]
    pub user_name_header: Option<String>,
    /// Header of the plain user email (default `X-OpenWebUI-User-Email`).
    #[serde(default)]
    pub user_email_header: Option<String>,
    /// Header of the plain user role (default `X-OpenWebUI-User-Role`).
    #[serde(default)]
    pub user_role_header: Option<String>,
    /// Header of the chat id (default `X-OpenWebUI-Chat-Id`).
    #[serde(default)]
    pub chat_id_header: Option<String>,
    /// Header of the message id (default `X-OpenWebUI-Message-Id`).
    #[serde(default)]
    pub message_id_header: Option<String>,
}

/// One validated API token.
#[derive(Debug, Clone)]
pub struct TokenRule {
    /// Its name.
    pub name: String,
    /// The token's digest.
    pub hash: TokenHash,
    /// The tools it may call (`None`: all).
    pub tools: Option<Vec<String>>,
    /// Whether it may assert users with the plain headers.
    pub assert_users: bool,
    /// Calls per minute (token bucket; `None`: unlimited).
    pub rate_per_minute: Option<u32>,
    /// Calls running at once (`None`: unlimited).
    pub max_concurrent: Option<u32>,
    /// Its line in the config file (0 for `tools.auth_token` from the defaults).
    pub line: usize,
}

/// `[tools.open_webui]` after validation, with the default header names applied.
#[derive(Debug, Clone)]
pub struct OpenWebUiSettings {
    /// The JWT secret, when user tokens are verified.
    pub jwt_secret: Option<Secret>,
    /// Header of the signed user token.
    pub jwt_header: http::HeaderName,
    /// Header of the plain user id.
    pub user_id_header: http::HeaderName,
    /// Header of the plain user name.
    pub user_name_header: http::HeaderName,
    /// Header of the plain user email.
    pub user_email_header: http::HeaderName,
    /// Header of the plain user role.
    pub user_role_header: http::HeaderName,
    /// Header of the chat id.
    pub chat_id_header: http::HeaderName,
    /// Header of the message id.
    pub message_id_header: http::HeaderName,
}

/// The validated tokens, each with the span of its table (turned into a line by the caller).
pub(super) fn tokens(
    tokens: Vec<Spanned<TokenConfig>>,
    auth_token: Option<&Secret>,
) -> Result<Vec<(TokenRule, Range<usize>)>, Problem> {
    let mut out: Vec<(TokenRule, Range<usize>)> = Vec::new();
    if let Some(secret) = auth_token {
        let rule = TokenRule {
            name: DEFAULT_TOKEN_NAME.to_owned(),
            hash: TokenHash::of(secret.expose()),
            tools: None,
            assert_users: false,
            rate_per_minute: None,
            max_concurrent: None,
            line: 0,
        };
        out.push((rule, 0..0));
    }
    for entry in tokens {
        let span = entry.span();
        let rule = token_rule(entry.into_inner(), &span)?;
        if out.iter().any(|(r, _)| r.name == rule.name) {
            let message = if rule.name == DEFAULT_TOKEN_NAME && auth_token.is_some() {
                "\"default\" is the name of `tools.auth_token`; pick another name".to_owned()
            } else {
                format!("a token named {:?} is already listed", rule.name)
            };
            return Err(problem("tools.tokens.name", span, message));
        }
        if let Some((other, _)) = out.iter().find(|(r, _)| r.hash == rule.hash) {
            return Err(problem(
                "tools.tokens.token",
                span,
                format!(
                    "token {:?} is the same token as {:?}; each caller needs its own",
                    rule.name, other.name
                ),
            ));
        }
        out.push((rule, span));
    }
    Ok(out)
}

/// Whether `name` can name a token, a rule or a group: 1 to 64 letters, digits, `-`, `_`, `.`
/// (safe in logs and metrics labels).
pub(super) fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn token_rule(entry: TokenConfig, span: &Range<usize>) -> Result<TokenRule, Problem> {
    let fail = |key: &str, message: String| Err(problem(key, span.clone(), message));
    let name = entry.name;
    if !is_name(&name) {
        return fail(
            "tools.tokens.name",
            format!("{name:?} is not a token name: use 1 to 64 letters, digits, `-`, `_` or `.`"),
        );
    }
    let hash = match (entry.token, entry.token_sha256) {
        (Some(_), Some(_)) | (None, None) => {
            return fail(
                "tools.tokens.token",
                format!("token {name:?}: give exactly one of `token` and `token_sha256`"),
            );
        }
        (Some(secret), None) if secret.expose().len() < MIN_SECRET_LEN => {
            return fail(
                "tools.tokens.token",
                format!("token {name:?}: must be at least {MIN_SECRET_LEN} characters"),
            );
        }
        (Some(secret), None) => TokenHash::of(secret.expose()),
        (None, Some(hex)) => match TokenHash::from_hex(&hex) {
            Some(hash) => hash,
            None => {
                return fail(
                    "tools.tokens.token_sha256",
                    format!("token {name:?}: not a SHA-256 digest (64 hex characters)"),
                );
            }
        },
    };
    if let Some(tools) = &entry.tools {
        for (i, tool) in tools.iter().enumerate() {
            if tools[..i].contains(tool) {
                return fail(
                    "tools.tokens.tools",
                    format!("token {name:?}: {tool:?} is listed twice"),
                );
            }
        }
    }
    for (key, value) in [
        ("rate_per_minute", entry.rate_per_minute),
        ("max_concurrent", entry.max_concurrent),
    ] {
        if value == Some(0) {
            return fail(
                &format!("tools.tokens.{key}"),
                format!("token {name:?}: must be at least 1 (leave it out for no limit)"),
            );
        }
    }
    Ok(TokenRule {
        name,
        hash,
        tools: entry.tools,
        assert_users: entry.assert_users,
        rate_per_minute: entry.rate_per_minute,
        max_concurrent: entry.max_concurrent,
        line: 0,
    })
}

/// Checks `[tools.open_webui]` and applies the default header names.
pub(super) fn open_webui(
    config: Option<Spanned<OpenWebUiConfig>>,
) -> Result<OpenWebUiSettings, Problem> {
    let (config, span) = match config {
        Some(c) => {
            let span = c.span();
            (c.into_inner(), span)
        }
        None => (OpenWebUiConfig::default(), 0..0),
    };
    if let Some(secret) = &config.jwt_secret
        && secret.expose().len() < MIN_SECRET_LEN
    {
        return Err(problem(
            "tools.open_webui.jwt_secret",
            span,
            format!("must be at least {MIN_SECRET_LEN} characters"),
        ));
    }
    let header = |key: &str, value: Option<String>, default: &str| {
        let value = value.unwrap_or_else(|| default.to_owned());
        match http::HeaderName::from_bytes(value.as_bytes()) {
            Ok(name) => Ok(name),
            Err(_) => Err(problem(
                &format!("tools.open_webui.{key}"),
                span.clone(),
                format!("{value:?} is not an HTTP header name"),
            )),
        }
    };
    Ok(OpenWebUiSettings {
        jwt_secret: config.jwt_secret,
        jwt_header: header("jwt_header", config.jwt_header, "X-OpenWebUI-User-Jwt")?,
        user_id_header: header(
            "user_id_header",
            config.user_id_header,
            "X-OpenWebUI-User-Id",
        )?,
        user_name_header: header(
            "user_name_header",
            config.user_name_header,
            "X-OpenWebUI-User-Name",
        )?,
        user_email_header: header(
            "user_email_header",
            config.user_email_header,
            "X-OpenWebUI-User-Email",
        )?,
        user_role_header: header(
            "user_role_header",
            config.user_role_header,
            "X-OpenWebUI-User-Role",
        )?,
        chat_id_header: header(
            "chat_id_header",
            config.chat_id_header,
            "X-OpenWebUI-Chat-Id",
        )?,
        message_id_header: header(
            "message_id_header",
            config.message_id_header,
            "X-OpenWebUI-Message-Id",
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::Settings;

    const TOKEN_A: &str = "token-a-0123456789";
    const TOKEN_B: &str = "token-b-0123456789";

    fn parse(text: &str) -> Result<Settings, String> {
        Settings::parse(text, &|_| None).map_err(|e| e.to_string())
    }

    fn token(name: &str, body: &str) -> String {
        format!("\n[[tools.tokens]]\nname = \"{name}\"\n{body}\n")
    }

    #[test]
    fn auth_token_is_the_default_token_with_every_tool() {
        let s = parse(&format!("[tools]\nauth_token = \"{TOKEN_A}\"\n")).unwrap();
        assert_eq!(s.tokens.len(), 1);
        assert_eq!(s.tokens[0].name, "default");
        assert!(s.tokens[0].tools.is_none());
        assert!(s.tokens[0].hash.matches(TOKEN_A));
    }

    #[test]
    fn a_token_is_given_by_its_digest_and_keeps_its_line() {
        let hex = crate::http::auth::TokenHash::of(TOKEN_A).to_hex();
        let s = parse(&token("ci", &format!("token_sha256 = \"{hex}\""))).unwrap();
        assert!(s.tokens[0].hash.matches(TOKEN_A));
        assert_eq!(s.tokens[0].line, 2);
    }

    #[test]
    fn a_token_needs_exactly_one_of_token_and_digest() {
        let hex = crate::http::auth::TokenHash::of(TOKEN_A).to_hex();
        let both = format!("token = \"{TOKEN_A}\"\ntoken_sha256 = \"{hex}\"");
        for body in [both.as_str(), "assert_users = true"] {
            let err = parse(&token("ci", body)).unwrap_err();
            assert!(
                err.contains("exactly one of `token` and `token_sha256`"),
                "{err}"
            );
            assert!(err.contains("(line 2)"), "{err}");
        }
    }

    #[test]
    fn a_short_token_is_refused_without_showing_it() {
        let err = parse(&token("ci", "token = \"short-tok\"")).unwrap_err();
        assert!(err.contains("at least 16 characters"), "{err}");
        assert!(!err.contains("short-tok"), "{err}");
    }

    #[test]
    fn a_malformed_digest_is_refused() {
        let err = parse(&token("ci", "token_sha256 = \"abc\"")).unwrap_err();
        assert!(err.contains("tools.tokens.token_sha256"), "{err}");
    }

    #[test]
    fn two_tokens_of_one_name_are_refused() {
        let text = token("ci", &format!("token = \"{TOKEN_A}\""))
            + &token("ci", &format!("token = \"{TOKEN_B}\""));
        let err = parse(&text).unwrap_err();
        assert!(
            err.contains("already listed") && err.contains("(line 6)"),
            "{err}"
        );
    }

    #[test]
    fn a_token_named_default_beside_auth_token_is_refused() {
        let text = format!("[tools]\nauth_token = \"{TOKEN_A}\"\n")
            + &token("default", &format!("token = \"{TOKEN_B}\""));
        let err = parse(&text).unwrap_err();
        assert!(err.contains("tools.auth_token"), "{err}");
    }

    #[test]
    fn one_token_under_two_names_is_refused() {
        let text = token("a", &format!("token = \"{TOKEN_A}\""))
            + &token("b", &format!("token = \"{TOKEN_A}\""));
        let err = parse(&text).unwrap_err();
        assert!(err.contains("same token"), "{err}");
        assert!(!err.contains(TOKEN_A), "{err}");
    }

    #[test]
    fn a_bad_token_name_is_refused() {
        let err = parse(&token("a b", &format!("token = \"{TOKEN_A}\""))).unwrap_err();
        assert!(err.contains("not a token name"), "{err}");
    }

    #[test]
    fn a_tool_listed_twice_for_a_token_is_refused() {
        let body = format!("token = \"{TOKEN_A}\"\ntools = [\"calculate\", \"calculate\"]");
        let err = parse(&token("ci", &body)).unwrap_err();
        assert!(err.contains("listed twice"), "{err}");
    }

    #[test]
    fn a_token_list_counts_as_auth_beyond_loopback() {
        let text = "listen = \"0.0.0.0:8080\"\n".to_owned()
            + &token("ci", &format!("token = \"{TOKEN_A}\""));
        assert!(parse(&text).unwrap().check_exposure().is_ok());
        let err = parse("listen = \"0.0.0.0:8080\"\n")
            .unwrap()
            .check_exposure()
            .unwrap_err();
        assert!(err.to_string().contains("[[tools.tokens]]"), "{err}");
    }

    #[test]
    fn a_zero_rate_or_concurrency_limit_is_refused_naming_key_and_line() {
        for key in ["rate_per_minute", "max_concurrent"] {
            let body = format!("token = \"{TOKEN_A}\"\n{key} = 0");
            let err = parse(&token("ci", &body)).unwrap_err();
            assert!(
                err.contains(&format!("tools.tokens.{key}")) && err.contains("(line 2)"),
                "{err}"
            );
        }
    }

    #[test]
    fn token_limits_are_kept() {
        let body = format!("token = \"{TOKEN_A}\"\nrate_per_minute = 120\nmax_concurrent = 4");
        let s = parse(&token("ci", &body)).unwrap();
        assert_eq!(s.tokens[0].rate_per_minute, Some(120));
        assert_eq!(s.tokens[0].max_concurrent, Some(4));
    }

    #[test]
    fn open_webui_header_names_default_and_must_be_header_names() {
        let s = parse("").unwrap();
        assert_eq!(s.open_webui.jwt_header.as_str(), "x-openwebui-user-jwt");
        let err = parse("[tools.open_webui]\njwt_header = \"bad header\"\n").unwrap_err();
        assert!(err.contains("tools.open_webui.jwt_header"), "{err}");
        let err = parse("[tools.open_webui]\njwt_secret = \"short\"\n").unwrap_err();
        assert!(err.contains("at least 16 characters"), "{err}");
    }
}
