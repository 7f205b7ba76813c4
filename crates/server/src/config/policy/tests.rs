//! Tests of `[[tools.rules]]`, `[tools.groups]` and `[tools.user_limits]`: each refusal names
//! the key and the line.

use serde_json::{Value, json};
use switchboard::functions::{DynamicTool, ToolDefinition, ToolRegistry};

use super::super::Settings;
use super::DEFAULT_MAX_USERS;

/// A gateway that knows its users (a user token secret) and has a token named `owui`.
const BASE: &str = r#"[[tools.tokens]]
name = "owui"
token = "owui-token-0123456789"

[tools.open_webui]
jwt_secret = "jwt-secret-0123456789"

[tools.groups]
analysts = ["u-1"]
"#;

fn parse(text: &str) -> Result<Settings, String> {
    Settings::parse(text, &|_| None).map_err(|e| e.to_string())
}

/// `rule` appended to [`BASE`]; its `[[tools.rules]]` header is on line 11.
fn with_rule(rule: &str) -> Result<Settings, String> {
    parse(&format!("{BASE}\n[[tools.rules]]\nname = \"r\"\n{rule}\n"))
}

fn assert_refused(result: Result<Settings, String>, key: &str, line: usize, says: &str) {
    let err = result.unwrap_err();
    assert!(
        err.starts_with(&format!("config key `{key}` (line {line}):")),
        "{err}"
    );
    assert!(err.contains(says), "{err}");
}

#[test]
fn existing_configs_have_no_rules_and_no_user_limits() {
    let s = parse("").unwrap();
    assert!(s.policy.rules.is_empty() && s.policy.groups.is_empty());
    assert!(s.policy.user_limits.is_none());
}

#[test]
fn a_rule_keeps_its_line_and_resolves_nothing_yet() {
    let s = with_rule("allow = [\"calculate\"]\ngroups = [\"analysts\"]").unwrap();
    let rule = &s.policy.rules[0];
    assert_eq!((rule.name.as_str(), rule.line), ("r", 11));
    assert_eq!(rule.groups, ["analysts"]);
}

#[test]
fn a_rule_needs_exactly_one_of_allow_and_deny() {
    let both = "allow = [\"calculate\"]\ndeny = [\"calculate\"]\nroles = [\"admin\"]";
    for body in [both, "roles = [\"admin\"]"] {
        assert_refused(with_rule(body), "tools.rules.allow", 11, "exactly one of");
    }
}

#[test]
fn a_rule_that_names_nobody_is_refused() {
    assert_refused(
        with_rule("allow = [\"calculate\"]"),
        "tools.rules",
        11,
        "at least one of `tokens`, `roles`, `users` and `groups`",
    );
}

#[test]
fn an_empty_matcher_is_refused_at_its_own_line() {
    assert_refused(
        with_rule("allow = [\"calculate\"]\nroles = []"),
        "tools.rules.roles",
        14,
        "must name at least one role",
    );
}

#[test]
fn an_unknown_group_is_refused() {
    assert_refused(
        with_rule("allow = [\"calculate\"]\ngroups = [\"analyst\"]"),
        "tools.rules.groups",
        14,
        "no group \"analyst\"",
    );
}

#[test]
fn an_unknown_token_is_refused_listing_the_tokens() {
    assert_refused(
        with_rule("deny = [\"calculate\"]\ntokens = [\"owiu\"]"),
        "tools.rules.tokens",
        14,
        "no token is named \"owiu\"; tokens: owui",
    );
}

#[test]
fn a_user_rule_on_a_gateway_that_knows_no_users_is_refused() {
    let text = "[[tools.rules]]\nname = \"r\"\nallow = [\"calculate\"]\nroles = [\"admin\"]\n";
    assert_refused(parse(text), "tools.rules", 1, "no call names a user");
}

#[test]
fn the_wildcard_must_stand_alone() {
    assert_refused(
        with_rule("deny = [\"*\", \"calculate\"]\nroles = [\"pending\"]"),
        "tools.rules.deny",
        13,
        "list it alone",
    );
}

#[test]
fn a_tool_listed_twice_in_a_rule_is_refused() {
    assert_refused(
        with_rule("deny = [\"calculate\", \"calculate\"]\nroles = [\"pending\"]"),
        "tools.rules.deny",
        13,
        "\"calculate\" is listed twice",
    );
}

#[test]
fn arguments_need_named_tools() {
    assert_refused(
        with_rule("deny = [\"*\"]\nroles = [\"user\"]\narguments = { database = [\"a\"] }"),
        "tools.rules.arguments",
        15,
        "list the tools",
    );
}

#[test]
fn two_rules_of_one_name_are_refused() {
    let rule = "\n[[tools.rules]]\nname = \"r\"\ndeny = [\"calculate\"]\nroles = [\"pending\"]\n";
    assert_refused(
        parse(&format!("{BASE}{rule}{rule}")),
        "tools.rules.name",
        16,
        "already listed",
    );
}

#[test]
fn an_empty_group_is_refused() {
    let text = BASE.replace("analysts = [\"u-1\"]", "analysts = []");
    assert_refused(
        parse(&text),
        "tools.groups.analysts",
        9,
        "at least one member",
    );
}

#[test]
fn user_limits_are_kept_with_the_default_table_size() {
    let s = parse(&format!(
        "{BASE}\n[tools.user_limits]\nrate_per_minute = 30\n"
    ))
    .unwrap();
    let limits = s.policy.user_limits.unwrap();
    assert_eq!(limits.rate_per_minute, Some(30));
    assert_eq!(limits.max_concurrent, None);
    assert_eq!(limits.max_users, DEFAULT_MAX_USERS);
}

#[test]
fn user_limits_of_zero_or_none_are_refused() {
    for (body, key) in [
        ("rate_per_minute = 0", "tools.user_limits.rate_per_minute"),
        ("max_concurrent = 0", "tools.user_limits.max_concurrent"),
        (
            "rate_per_minute = 5\nmax_users = 0",
            "tools.user_limits.max_users",
        ),
        ("max_users = 10", "tools.user_limits"),
    ] {
        assert_refused(
            parse(&format!("{BASE}\n[tools.user_limits]\n{body}\n")),
            key,
            11,
            "",
        );
    }
}

#[test]
fn user_limits_on_a_gateway_that_knows_no_users_are_refused() {
    assert_refused(
        parse("[tools.user_limits]\nmax_concurrent = 2\n"),
        "tools.user_limits",
        1,
        "no call names a user",
    );
}

/// Definitions of tools with these parameter schemas.
fn defs(tools: &[(&str, Value)]) -> Vec<ToolDefinition> {
    let registry = ToolRegistry::new();
    for (name, schema) in tools {
        let tool = DynamicTool::new(*name, "A tool.", schema.clone(), |_| async {
            Ok::<_, String>(Value::Null)
        });
        registry.register_dynamic(tool).unwrap();
    }
    registry.definitions()
}

fn database_tool() -> Vec<ToolDefinition> {
    defs(&[
        ("calculate", json!({"type": "object"})),
        (
            "lookup",
            json!({
                "type": "object",
                "properties": {
                    "table": {"type": "string"},
                    "kind": {"type": "string", "enum": ["a", "b"]},
                    "limit": {"type": "integer"},
                    "note": {"type": "string"},
                },
                "required": ["table", "kind", "limit"],
            }),
        ),
    ])
}

fn check_rule(rule: &str) -> Result<(), String> {
    with_rule(rule)
        .unwrap()
        .check_against_tools(&database_tool())
        .map_err(|e| e.to_string())
}

#[test]
fn a_token_listing_a_tool_that_is_not_offered_names_the_token_line() {
    let s = parse("[[tools.tokens]]\nname = \"ci\"\ntoken = \"ci-token-0123456789\"\ntools = [\"read_file\"]\n").unwrap();
    let err = s
        .check_against_tools(&database_tool())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("config key `tools.tokens.tools` (line 1):")
            && err.contains("\"read_file\""),
        "{err}"
    );
}

#[test]
fn a_rule_naming_a_tool_that_is_not_offered_is_refused() {
    let err = check_rule("deny = [\"execute_code\"]\nroles = [\"user\"]").unwrap_err();
    assert!(
        err.starts_with("config key `tools.rules.deny` (line 11): rule \"r\": \"execute_code\" is not an offered tool; offered: calculate, lookup"),
        "{err}"
    );
}

#[test]
fn an_argument_rule_on_a_required_string_is_accepted() {
    let rule = "allow = [\"lookup\"]\nroles = [\"admin\"]\narguments = { table = [\"t\"], kind = [\"a\"] }";
    assert_eq!(check_rule(rule), Ok(()));
}

#[test]
fn an_argument_rule_on_an_optional_argument_is_refused() {
    let rule = "allow = [\"lookup\"]\nroles = [\"admin\"]\narguments = { note = [\"x\"] }";
    let err = check_rule(rule).unwrap_err();
    assert!(
        err.starts_with("config key `tools.rules.arguments.note` (line 11)")
            && err.contains("optional"),
        "{err}"
    );
}

#[test]
fn an_argument_rule_on_a_non_string_or_missing_argument_is_refused() {
    for (arg, says) in [
        ("limit", "is not a string"),
        ("nope", "has no argument `nope`"),
    ] {
        let rule =
            format!("allow = [\"lookup\"]\nroles = [\"admin\"]\narguments = {{ {arg} = [\"1\"] }}");
        let err = check_rule(&rule).unwrap_err();
        assert!(err.contains(says), "{err}");
    }
}

#[test]
fn an_argument_value_outside_the_enum_is_refused() {
    let rule = "allow = [\"lookup\"]\nroles = [\"admin\"]\narguments = { kind = [\"c\"] }";
    let err = check_rule(rule).unwrap_err();
    assert!(
        err.contains("\"c\" is not a value `lookup` takes for `kind`; it takes: a, b"),
        "{err}"
    );
}

#[test]
fn a_database_rule_must_name_a_configured_database() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{BASE}\n[tools]\nenabled = [\"query_database\"]\n\n[[tools.query_database.databases]]\nname = \"analytics\"\nurl = \"sqlite:{}/a.db\"\n\n[[tools.rules]]\nname = \"r\"\nallow = [\"query_database\"]\ngroups = [\"analysts\"]\narguments = {{ database = [\"analytic\"] }}\n",
        dir.path().display()
    );
    let s = parse(&text).unwrap();
    let query = defs(&[(
        "query_database",
        json!({"type": "object", "properties": {"database": {"type": "string"}}, "required": ["database"]}),
    )]);
    let err = s.check_against_tools(&query).unwrap_err().to_string();
    assert!(
        err.contains(
            "\"analytic\" is not a value `query_database` takes for `database`; it takes: analytics"
        ),
        "{err}"
    );
}
