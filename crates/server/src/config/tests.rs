//! Tests of config parsing and validation.

use super::*;

fn parse(text: &str) -> Result<Settings, ConfigError> {
    Settings::parse(text, &|name| {
        (name == "TOKEN").then(|| "0123456789abcdef-token".into())
    })
}

#[test]
fn defaults() {
    let s = Settings::defaults().unwrap();
    assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(s.tools, ["calculate"]);
    assert_eq!(s.sqlite, PathBuf::from("switchboard.db"));
    assert_eq!(s.admin_key_file, PathBuf::from("switchboard.admin-key"));
    assert!(s.mcp_enabled);
    assert_eq!(parse("").unwrap().listen, s.listen);
}

#[test]
fn unknown_key_names_key_and_line() {
    let err = parse("listen = \"127.0.0.1:9000\"\n[tools]\ntimeout = 5\n").unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("config line 3, column 1:"), "{text}");
    assert!(text.contains("unknown field `timeout`"), "{text}");
}

#[test]
fn wrong_type_has_line() {
    let err = parse("[tools]\n\ntimeout_ms = \"fast\"\n").unwrap_err();
    assert!(err.to_string().starts_with("config line 3"), "{err}");
}

#[test]
fn semantic_errors_name_key_and_line() {
    let err = parse("log_format = \"json\"\nlisten = \"localhost\"\n").unwrap_err();
    assert!(
        err.to_string().starts_with("config key `listen` (line 2):"),
        "{err}"
    );
    let err = parse("[tools]\nenabled = [\"calculate\", \"web\"]\n").unwrap_err();
    assert!(err.to_string().contains("unknown tool \"web\""), "{err}");
    assert!(err.to_string().contains("(line 2)"), "{err}");
    let err = parse("[tools]\nenabled = [\"read_file\"]\n").unwrap_err();
    assert!(err.to_string().contains("tools.read_file.roots"), "{err}");
}

#[test]
fn env_substitution_and_token() {
    let s = parse("[tools]\nauth_token = \"${TOKEN}\"\n").unwrap();
    assert_eq!(
        s.tools_token.as_ref().map(Secret::expose),
        Some("0123456789abcdef-token")
    );
    let err = parse("[admin]\nkey = \"${MISSING}\"\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "config line 2: environment variable MISSING is not set"
    );
}

#[test]
fn read_file_roots_checked() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[tools]\nenabled = [\"calculate\", \"read_file\"]\n[tools.read_file]\nroots = {{ docs = {:?} }}\n",
        dir.path().display().to_string()
    );
    let s = parse(&text).unwrap();
    assert_eq!(s.read_roots["docs"], dir.path());
    let err = parse("[tools.read_file]\nroots = { x = \"/definitely/not/here\" }\n").unwrap_err();
    assert!(err.to_string().contains("tools.read_file.roots.x"), "{err}");
}

#[test]
fn ingest_and_endpoints() {
    let s = parse(
        "[[ingest]]\nname = \"gh\"\nkind = \"github\"\nsecret = \"gh-secret-0123456789\"\n\n[[endpoints]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/x\"\nevents = [\"github.push\"]\n",
    )
    .unwrap();
    assert_eq!(s.ingest[0].kind, IngestKind::Github);
    let err = parse("[[ingest]]\nname = \"a b\"\nkind = \"github\"\nsecret = \"s\"\n").unwrap_err();
    assert!(err.to_string().contains("`ingest.name` (line 2)"), "{err}");
    let err =
        parse("[[ingest]]\nname = \"a\"\nkind = \"carrier-pigeon\"\nsecret = \"s\"\n").unwrap_err();
    assert!(err.to_string().contains("line 3"), "{err}");
}

#[test]
fn endpoint_limits_must_be_at_least_one() {
    let s = parse(
        "[[endpoints]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/x\"\nmax_in_flight = 2\nrate_limit = 5\n",
    )
    .unwrap();
    assert_eq!(
        s.endpoints[0].max_in_flight.as_ref().map(|n| *n.get_ref()),
        Some(2)
    );
    for key in ["max_in_flight", "rate_limit"] {
        let err = parse(&format!(
            "[[endpoints]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/x\"\n{key} = 0\n"
        ))
        .unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("`endpoints.{key}` (line 4)")),
            "{err}"
        );
    }
}

#[test]
fn connector_and_notify_secrets_stay_out_of_debug() {
    let s = parse(
        r#"
[connectors.github]
token = "ghp_SECRET1"
[connectors.slack]
token = "xoxb-SECRET2"
[connectors.zapier]
hook_url = "https://hooks.zapier.com/hooks/catch/1/SECRET3/"
[[notify]]
kind = "discord"
url = "https://discord.com/api/webhooks/1/SECRET4"
events = ["*"]
[[notify]]
kind = "email"
smtp_host = "smtp.example.com"
smtp_username = "bot"
smtp_password = "SECRET5"
from = "bot@example.com"
to = ["ops@example.com"]
events = ["error_occurred"]
"#,
    )
    .unwrap();
    let debug = format!("{s:?}");
    assert!(!debug.contains("SECRET"), "{debug}");
    assert!(s.connectors.github.is_some() && s.connectors.slack.is_some());
    assert_eq!(s.notify.len(), 2);
}

#[test]
fn delivery_overrides() {
    let s = parse("[delivery]\nrequest_timeout_ms = 1000\nlease_ms = 3000\nmax_in_flight = 8\nretention_days = 0\n").unwrap();
    assert_eq!(s.delivery.lease, Duration::from_secs(3));
    assert_eq!(s.delivery.request_timeout, Duration::from_secs(1));
    assert_eq!(s.delivery.max_in_flight, 8);
    assert!(s.delivery.retention.is_none());
    let err = parse("[delivery]\n\nlease_ms = 100\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("config key `delivery.lease_ms` (line 3)"),
        "{err}"
    );
}

#[test]
fn audit_defaults_keep_rows_30_days_and_zero_keeps_them_forever() {
    let s = parse("").unwrap();
    assert!(s.audit.enabled);
    assert_eq!(s.audit.retention, Some(Duration::from_secs(30 * 24 * 3600)));
    let s = parse("[audit]\nenabled = false\nretention_days = 0\nredact_fields = [\"Password\"]\n")
        .unwrap();
    assert!(!s.audit.enabled);
    assert!(s.audit.retention.is_none());
    assert_eq!(s.audit.redact_fields, ["password"]);
}

#[test]
fn audit_redact_fields_must_be_distinct_names() {
    for fields in [r#"["", "x"]"#, r#"["token", "TOKEN"]"#] {
        let err = parse(&format!("[audit]\n\nredact_fields = {fields}\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("config key `audit.redact_fields` (line 3)"),
            "{err}"
        );
    }
}

/// Formats the parsed example config of `docs/gateway.md` with `{:?}` and finds none of the
/// secret values it was given: every secret in the config is a redacting [`Secret`].
#[test]
fn debug_of_the_documented_example_config_shows_no_secret() {
    let doc = include_str!("../../../../docs/gateway.md");
    // The example is the first block of the configuration reference section.
    let section = doc.find("## Configuration reference").unwrap();
    let start = section + doc[section..].find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let root = std::env::temp_dir().display().to_string();
    let text = doc[start..end]
        .replace("/srv/docs", &root)
        .replace("/srv/reports", &root);
    // Each variable gets a distinct value in the shape its key needs.
    let value = |name: &str| -> String {
        let mark = format!("LeakCheck{}", name.replace('_', ""));
        match name {
            n if n.ends_with("_WEBHOOK_SECRET") && !n.starts_with("GITHUB") => {
                let mut bytes = mark.clone().into_bytes();
                bytes.resize(24, b'x');
                switchboard::webhooks::sign::WebhookSecret::from_bytes(bytes)
                    .unwrap()
                    .expose_encoded()
            }
            n if n.ends_with("_URL") => format!("https://hooks.slack.com/services/T0/B0/{mark}"),
            _ => format!("{mark}-0123456789abcdef"),
        }
    };
    let given = std::cell::RefCell::new(Vec::new());
    let settings = Settings::parse(&text, &|name| {
        let v = value(name);
        given.borrow_mut().push(v.clone());
        Some(v)
    })
    .unwrap();
    let given = given.into_inner();
    assert!(
        given.len() >= 8,
        "the example should use its secrets: {given:?}"
    );
    let shown = format!("{settings:?}");
    for secret in &given {
        let needle = secret.rsplit('/').next().unwrap();
        assert!(
            !shown.contains(needle),
            "{needle} is shown by Debug:\n{shown}"
        );
    }
}

#[test]
fn an_unknown_connector_tool_names_key_and_line() {
    let err = parse(
        "[connectors.github]\nread_only = true\ntools = [\n  \"github_get_repository\",\n  \"github_delete_everything\",\n]\n",
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("config key `connectors.github.tools` (line 5):"),
        "{text}"
    );
    assert!(text.contains("\"github_delete_everything\""), "{text}");
    assert!(text.contains("github_get_repository"), "{text}");
}

#[test]
fn a_write_tool_under_read_only_names_key_and_line() {
    let err = parse("[connectors.github]\nread_only = true\ntools = [\"github_create_issue\"]\n")
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("config key `connectors.github.tools` (line 3):"),
        "{text}"
    );
    assert!(text.contains("read_only"), "{text}");
}

#[test]
fn fetch_url_settings_without_the_tool_name_the_section() {
    let err = parse("[tools.fetch_url]\nmax_chars = 10\n").unwrap_err();
    assert!(err.to_string().contains("tools.fetch_url"), "{err}");
}

#[test]
fn a_fetch_url_network_that_is_not_a_cidr_names_the_key() {
    let err = parse(
        "[tools]\nenabled = [\"fetch_url\"]\n[tools.fetch_url]\nallow_cidrs = [\"intranet\"]\n",
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("tools.fetch_url.allow_cidrs"), "{text}");
    assert!(text.contains("line 3"), "{text}");
}

#[test]
fn a_fetch_url_host_with_a_scheme_names_the_key() {
    let err = parse(
        "[tools]\nenabled = [\"fetch_url\"]\n[tools.fetch_url]\ndeny_hosts = [\"https://x.test\"]\n",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("tools.fetch_url.deny_hosts"),
        "{err}"
    );
}
