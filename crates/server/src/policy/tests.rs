//! One test per case of [`decide`] and [`visible`], on policies written as config text.

use serde_json::json;

use super::*;
use crate::config::Settings;

const TOOLS: &[&str] = &["calculate", "execute_code", "query_database"];

/// A policy from the rules (and anything else) in `extra`, under a gateway with a user token
/// secret and two tokens: `owui` (every tool) and `script` (only `calculate`).
fn policy(extra: &str) -> Policy {
    let text = format!(
        r#"
[[tools.tokens]]
name = "owui"
token = "owui-token-0123456789"

[[tools.tokens]]
name = "script"
token = "script-token-0123456789"
tools = ["calculate"]

[tools.open_webui]
jwt_secret = "jwt-secret-0123456789"

[tools.groups]
analysts = ["u-ana", "Bea@Example.com"]
{extra}
"#
    );
    let settings = Settings::parse(&text, &|_| None).unwrap();
    Policy::new(&settings.tokens, &settings.policy, TOOLS)
}

const ADMIN_CODE: &str = r#"
[[tools.rules]]
name = "code-for-admins"
allow = ["execute_code"]
roles = ["admin"]
"#;

const ANALYTICS: &str = r#"
[[tools.rules]]
name = "analytics-for-analysts"
allow = ["query_database"]
groups = ["analysts"]
arguments = { database = ["analytics"] }
"#;

fn user<'a>(id: &'a str, role: &'a str) -> Principal<'a> {
    Principal {
        token: Some("owui"),
        user_id: Some(id),
        email: None,
        role: Some(role),
    }
}

fn token(name: &str) -> Principal<'_> {
    Principal {
        token: Some(name),
        ..Principal::default()
    }
}

fn call<'p>(policy: &'p Policy, who: &Principal<'_>, tool: &str) -> Decision<'p> {
    decide(policy, who, tool, &CallArguments::Text("{}"))
}

fn query<'p>(policy: &'p Policy, who: &Principal<'_>, database: &str) -> Decision<'p> {
    let args = json!({"database": database, "query": "select 1"});
    decide(policy, who, "query_database", &CallArguments::Value(&args))
}

#[test]
fn without_rules_every_tool_is_open() {
    let p = policy("");
    assert_eq!(
        call(&p, &user("u-1", "user"), "execute_code"),
        Decision::Open
    );
}

#[test]
fn a_token_list_refuses_the_tools_it_does_not_name() {
    let p = policy("");
    assert_eq!(
        call(&p, &token("script"), "execute_code"),
        Decision::Refused(Refusal::TokenList { token: "script" })
    );
    assert_eq!(call(&p, &token("script"), "calculate"), Decision::Open);
}

#[test]
fn an_allow_rule_admits_the_role_it_names() {
    let p = policy(ADMIN_CODE);
    assert_eq!(
        call(&p, &user("u-1", "admin"), "execute_code"),
        Decision::Allowed {
            rule: "code-for-admins"
        }
    );
}

#[test]
fn an_allow_rule_refuses_the_callers_it_does_not_match() {
    let p = policy(ADMIN_CODE);
    assert_eq!(
        call(&p, &user("u-1", "user"), "execute_code"),
        Decision::Refused(Refusal::NotAllowed {
            rule: "code-for-admins"
        })
    );
}

#[test]
fn a_caller_without_a_user_matches_no_role() {
    let p = policy(ADMIN_CODE);
    let who = Principal {
        role: Some("admin"),
        ..token("owui")
    };
    assert!(call(&p, &who, "execute_code").refusal().is_some());
}

#[test]
fn a_tool_no_allow_rule_covers_stays_open() {
    let p = policy(ADMIN_CODE);
    assert_eq!(call(&p, &user("u-1", "user"), "calculate"), Decision::Open);
}

#[test]
fn a_group_rule_matches_members_by_id() {
    let p = policy(&ANALYTICS.replace("arguments = { database = [\"analytics\"] }", ""));
    assert!(
        call(&p, &user("u-ana", "user"), "query_database")
            .refusal()
            .is_none()
    );
    assert!(
        call(&p, &user("u-other", "user"), "query_database")
            .refusal()
            .is_some()
    );
}

#[test]
fn a_group_rule_matches_members_by_email_in_any_case() {
    let p = policy(&ANALYTICS.replace("arguments = { database = [\"analytics\"] }", ""));
    let who = Principal {
        email: Some("bea@EXAMPLE.com"),
        ..user("u-bea", "user")
    };
    assert!(call(&p, &who, "query_database").refusal().is_none());
}

#[test]
fn a_user_rule_matches_a_user_id_exactly() {
    let p = policy(
        r#"
[[tools.rules]]
name = "code-for-ada"
allow = ["execute_code"]
users = ["u-ada"]
"#,
    );
    assert!(
        call(&p, &user("u-ada", "user"), "execute_code")
            .refusal()
            .is_none()
    );
    assert!(
        call(&p, &user("U-ADA", "user"), "execute_code")
            .refusal()
            .is_some()
    );
}

#[test]
fn a_deny_rule_beats_an_allow_rule_that_also_matches() {
    let p = policy(&format!(
        "{ADMIN_CODE}\n[[tools.rules]]\nname = \"no-code-for-u-7\"\ndeny = [\"execute_code\"]\nusers = [\"u-7\"]\n"
    ));
    assert_eq!(
        call(&p, &user("u-7", "admin"), "execute_code"),
        Decision::Refused(Refusal::Denied {
            rule: "no-code-for-u-7"
        })
    );
    assert!(
        call(&p, &user("u-8", "admin"), "execute_code")
            .refusal()
            .is_none()
    );
}

#[test]
fn the_first_matching_deny_rule_in_file_order_is_named() {
    let p = policy(
        r#"
[[tools.rules]]
name = "first"
deny = ["*"]
roles = ["pending"]

[[tools.rules]]
name = "second"
deny = ["calculate"]
roles = ["pending"]
"#,
    );
    assert_eq!(
        call(&p, &user("u-1", "pending"), "calculate"),
        Decision::Refused(Refusal::Denied { rule: "first" })
    );
}

#[test]
fn a_rule_with_tokens_and_roles_needs_both() {
    let p = policy(
        r#"
[[tools.rules]]
name = "owui-admins"
allow = ["execute_code"]
tokens = ["owui"]
roles = ["admin"]
"#,
    );
    assert!(
        call(&p, &user("u-1", "admin"), "execute_code")
            .refusal()
            .is_none()
    );
    let other_token = Principal {
        token: Some("other"),
        ..user("u-1", "admin")
    };
    assert!(call(&p, &other_token, "execute_code").refusal().is_some());
    assert!(call(&p, &token("owui"), "execute_code").refusal().is_some());
}

#[test]
fn a_token_rule_matches_calls_without_a_user() {
    let p = policy(
        r#"
[[tools.rules]]
name = "owui-only"
allow = ["execute_code"]
tokens = ["owui"]
"#,
    );
    assert!(call(&p, &token("owui"), "execute_code").refusal().is_none());
}

#[test]
fn several_allow_rules_grant_the_union() {
    let p = policy(&format!(
        "{ADMIN_CODE}\n[[tools.rules]]\nname = \"code-for-ada\"\nallow = [\"execute_code\"]\nusers = [\"u-ada\"]\n"
    ));
    assert_eq!(
        call(&p, &user("u-ada", "user"), "execute_code"),
        Decision::Allowed {
            rule: "code-for-ada"
        }
    );
    assert!(
        call(&p, &user("u-1", "admin"), "execute_code")
            .refusal()
            .is_none()
    );
    assert!(
        call(&p, &user("u-1", "user"), "execute_code")
            .refusal()
            .is_some()
    );
}

#[test]
fn the_token_list_comes_before_any_allow_rule() {
    let p = policy(
        r#"
[[tools.rules]]
name = "script-code"
allow = ["execute_code"]
tokens = ["script"]
"#,
    );
    assert_eq!(
        call(&p, &token("script"), "execute_code"),
        Decision::Refused(Refusal::TokenList { token: "script" })
    );
}

#[test]
fn an_argument_rule_refuses_other_callers_those_values_only() {
    let p = policy(ANALYTICS);
    let who = user("u-other", "user");
    assert_eq!(
        query(&p, &who, "analytics"),
        Decision::Refused(Refusal::NotAllowed {
            rule: "analytics-for-analysts"
        })
    );
    assert_eq!(query(&p, &who, "public"), Decision::Open);
}

#[test]
fn an_argument_rule_admits_the_callers_it_matches() {
    let p = policy(ANALYTICS);
    assert_eq!(
        query(&p, &user("u-ana", "user"), "analytics"),
        Decision::Allowed {
            rule: "analytics-for-analysts"
        }
    );
}

#[test]
fn an_argument_rule_reads_the_raw_text_of_a_rest_call() {
    let p = policy(ANALYTICS);
    let args = CallArguments::Text(r#"{"query": "select 1", "database": "analytics"}"#);
    let who = user("u-other", "user");
    assert!(
        decide(&p, &who, "query_database", &args)
            .refusal()
            .is_some()
    );
}

#[test]
fn a_deny_rule_on_an_argument_refuses_only_those_values() {
    let p = policy(
        r#"
[[tools.rules]]
name = "no-analytics-for-users"
deny = ["query_database"]
roles = ["user"]
arguments = { database = ["analytics"] }
"#,
    );
    let who = user("u-1", "user");
    assert_eq!(
        query(&p, &who, "analytics"),
        Decision::Refused(Refusal::Denied {
            rule: "no-analytics-for-users"
        })
    );
    assert_eq!(query(&p, &who, "public"), Decision::Open);
}

#[test]
fn arguments_a_rule_cannot_read_are_refused() {
    let p = policy(ANALYTICS);
    let args = CallArguments::Text(r#"{"database": "public", "database": "analytics"}"#);
    assert_eq!(
        decide(&p, &user("u-ana", "user"), "query_database", &args),
        Decision::Refused(Refusal::UnreadableArguments {
            rule: "analytics-for-analysts"
        })
    );
}

#[test]
fn unreadable_arguments_do_not_matter_to_a_tool_without_argument_rules() {
    let p = policy(ANALYTICS);
    let args = CallArguments::Text("not json");
    assert_eq!(
        decide(&p, &user("u-1", "user"), "calculate", &args),
        Decision::Open
    );
}

#[test]
fn a_missing_argument_matches_no_argument_rule() {
    // Validation refuses the call next: the config check made `database` a required string.
    let p = policy(ANALYTICS);
    let args = CallArguments::Text(r#"{"query": "select 1"}"#);
    assert_eq!(
        decide(&p, &user("u-1", "user"), "query_database", &args),
        Decision::Open
    );
}

#[test]
fn a_listing_hides_a_tool_the_caller_may_not_call() {
    let p = policy(ADMIN_CODE);
    assert!(!visible(&p, &user("u-1", "user"), "execute_code"));
    assert!(visible(&p, &user("u-1", "admin"), "execute_code"));
}

#[test]
fn a_listing_ignores_argument_rules() {
    let p = policy(ANALYTICS);
    assert!(visible(&p, &user("u-other", "user"), "query_database"));
}

#[test]
fn a_listing_hides_tools_outside_the_token_list() {
    let p = policy("");
    assert!(!visible(&p, &token("script"), "query_database"));
    assert!(visible(&p, &token("script"), "calculate"));
}

#[test]
fn a_wildcard_deny_rule_covers_every_tool_and_unknown_names() {
    let p = policy(
        r#"
[[tools.rules]]
name = "banned"
deny = ["*"]
users = ["u-banned"]
"#,
    );
    let who = user("u-banned", "user");
    for tool in ["calculate", "no_such_tool"] {
        assert_eq!(
            call(&p, &who, tool),
            Decision::Refused(Refusal::Denied { rule: "banned" }),
            "{tool}"
        );
    }
    assert_eq!(call(&p, &user("u-1", "user"), "calculate"), Decision::Open);
}

#[test]
fn a_wildcard_allow_rule_restricts_every_tool() {
    let p = policy(
        r#"
[[tools.rules]]
name = "staff-only"
allow = ["*"]
groups = ["analysts"]
"#,
    );
    assert!(
        call(&p, &user("u-ana", "user"), "calculate")
            .refusal()
            .is_none()
    );
    assert_eq!(
        call(&p, &user("u-1", "admin"), "calculate"),
        Decision::Refused(Refusal::NotAllowed { rule: "staff-only" })
    );
}

#[test]
fn a_refusal_names_its_rule_for_the_log() {
    let refusal = Refusal::Denied { rule: "banned" };
    assert_eq!(refusal.rule(), "banned");
    assert_eq!(refusal.to_string(), "deny rule \"banned\"");
}
