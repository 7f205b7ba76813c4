//! Who may call which tool beyond a token's own list: `[[tools.rules]]` (allow and deny rules by
//! token, role, user and group, per tool, optionally per value of one argument),
//! `[tools.groups]` (named groups of users, since Open WebUI's user token carries no groups) and
//! `[tools.user_limits]` (a rate and a concurrency cap per user), with their checks.
//!
//! How the rules decide is `crate::policy`'s business; this file only makes sure that every rule
//! means something: its tools are offered, its groups and tokens exist, its matchers are not
//! empty, and an argument it constrains is one every call must carry as a string.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use serde_json::Value;
use switchboard::functions::ToolDefinition;
use switchboard::functions::builtin::query_database::DatabaseConfig;
use toml::Spanned;

use super::identity::{TokenRule, is_name};
use super::{ConfigError, OpenWebUiSettings, Problem, Settings, problem};

/// The tool list entry that means every tool.
pub const ALL_TOOLS: &str = "*";

/// Users tracked by `[tools.user_limits]` when `max_users` is not set.
pub const DEFAULT_MAX_USERS: usize = 10_000;

/// `[[tools.rules]]`: one allow or deny rule.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// The rule's name, written to the gateway's log when it refuses a call (letters, digits,
    /// `-`, `_`, `.`; unique). Callers are never told it.
    pub name: String,
    /// The tools this rule allows to the callers it matches; once any allow rule covers a call,
    /// only the callers some covering rule matches may make it. `["*"]`: every tool. Exactly one
    /// of `allow` and `deny`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub allow: Option<Spanned<Vec<String>>>,
    /// The tools this rule refuses to the callers it matches, whatever any allow rule says.
    /// `["*"]`: every tool.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub deny: Option<Spanned<Vec<String>>>,
    /// Callers by token name (`[[tools.tokens]]` names, or `default` for `tools.auth_token`).
    /// With `roles`, `users` or `groups` too, a caller must match both sides.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub tokens: Option<Spanned<Vec<String>>>,
    /// Callers by Open WebUI role (`admin`, `user`, `pending`). A caller matching any one of
    /// `roles`, `users` and `groups` matches the rule (with `tokens`, through one of those).
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub roles: Option<Spanned<Vec<String>>>,
    /// Callers by Open WebUI user: an entry with `@` is an email (any case), any other a user id.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub users: Option<Spanned<Vec<String>>>,
    /// Callers by group (`[tools.groups]` names).
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub groups: Option<Spanned<Vec<String>>>,
    /// Only calls whose top-level string argument has one of the listed values:
    /// `{ database = ["analytics"] }`. The argument must be a required string of each tool in
    /// `allow`/`deny`; a rule with `arguments` never hides a tool from a listing.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, Vec<String>>>")]
    pub arguments: Option<Spanned<BTreeMap<String, Vec<String>>>>,
}

/// `[tools.user_limits]`: limits per Open WebUI user, over every token they call through.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserLimitsConfig {
    /// Calls one user may make per minute, as a token bucket (a burst of this many, refilled
    /// continuously). Over it, calls are answered 429 with `Retry-After`.
    #[serde(default)]
    pub rate_per_minute: Option<u32>,
    /// Tool calls one user may have running at once. Beyond it, calls are answered 429 with
    /// `Retry-After: 1`.
    #[serde(default)]
    pub max_concurrent: Option<u32>,
    /// Most users whose counts are kept at once (default 10000). Users idle long enough to
    /// have nothing left to count are forgotten first; when the table is full of active users,
    /// the least recently seen one is forgotten.
    #[serde(default)]
    pub max_users: Option<usize>,
}

/// Whether a rule allows or denies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `allow = [...]`.
    Allow,
    /// `deny = [...]`.
    Deny,
}

/// One validated rule.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    /// Its name.
    pub name: String,
    /// Allow or deny.
    pub effect: Effect,
    /// The tools it covers; `None`: every tool.
    pub tools: Option<Vec<String>>,
    /// Token names (empty: any token).
    pub tokens: Vec<String>,
    /// Roles.
    pub roles: Vec<String>,
    /// User ids and emails.
    pub users: Vec<String>,
    /// Group names.
    pub groups: Vec<String>,
    /// Argument name → accepted values (empty: any arguments).
    pub arguments: Vec<(String, Vec<String>)>,
    /// Its line in the config file.
    pub line: usize,
}

/// `[tools.user_limits]` after validation.
#[derive(Debug, Clone, Copy)]
pub struct UserLimitSettings {
    /// Calls per minute per user (`None`: unlimited).
    pub rate_per_minute: Option<u32>,
    /// Calls running at once per user (`None`: unlimited).
    pub max_concurrent: Option<u32>,
    /// Most users tracked at once.
    pub max_users: usize,
}

/// The policy part of `[tools]` after validation.
#[derive(Debug, Clone, Default)]
pub struct PolicySettings {
    /// Group name → members (user ids and emails).
    pub groups: BTreeMap<String, Vec<String>>,
    /// The rules, in file order.
    pub rules: Vec<RuleSettings>,
    /// Per-user limits.
    pub user_limits: Option<UserLimitSettings>,
}

/// The sections as written, handed over by `[tools]`.
pub(super) struct PolicyInput {
    pub(super) groups: Option<Spanned<BTreeMap<String, Spanned<Vec<String>>>>>,
    pub(super) rules: Vec<Spanned<RuleConfig>>,
    pub(super) user_limits: Option<Spanned<UserLimitsConfig>>,
}

/// The validated policy, with each rule's span (turned into a line by the caller).
pub(super) type CheckedPolicy = (PolicySettings, Vec<Range<usize>>);

/// Checks groups, rules and user limits against the tokens and the user sources.
pub(super) fn validate(
    input: PolicyInput,
    tokens: &[(TokenRule, Range<usize>)],
    open_webui: &OpenWebUiSettings,
) -> Result<CheckedPolicy, Problem> {
    // Without a user token secret or a token that may assert users, no call has a user.
    let knows_users = open_webui.jwt_secret.is_some() || tokens.iter().any(|(t, _)| t.assert_users);
    let groups = groups(input.groups)?;
    let mut rules: Vec<RuleSettings> = Vec::new();
    let mut spans = Vec::new();
    for entry in input.rules {
        let span = entry.span();
        let rule = rule(entry.into_inner(), &span, tokens, &groups, knows_users)?;
        if rules.iter().any(|r| r.name == rule.name) {
            return Err(problem(
                "tools.rules.name",
                span,
                format!("a rule named {:?} is already listed", rule.name),
            ));
        }
        rules.push(rule);
        spans.push(span);
    }
    let user_limits = match input.user_limits {
        None => None,
        Some(limits) => Some(user_limits(limits, knows_users)?),
    };
    let settings = PolicySettings {
        groups,
        rules,
        user_limits,
    };
    Ok((settings, spans))
}

fn groups(
    groups: Option<Spanned<BTreeMap<String, Spanned<Vec<String>>>>>,
) -> Result<BTreeMap<String, Vec<String>>, Problem> {
    let mut out = BTreeMap::new();
    for (name, members) in groups.map(Spanned::into_inner).unwrap_or_default() {
        let key = format!("tools.groups.{name}");
        if !is_name(&name) {
            return Err(problem(
                &key,
                members.span(),
                format!(
                    "{name:?} is not a group name: use 1 to 64 letters, digits, `-`, `_` or `.`"
                ),
            ));
        }
        let span = members.span();
        let members = list(&key, Spanned::new(span, members.into_inner()), "member")?;
        out.insert(name, members);
    }
    Ok(out)
}

/// A list that must hold at least one non-empty entry, none twice.
fn list(key: &str, value: Spanned<Vec<String>>, what: &str) -> Result<Vec<String>, Problem> {
    let span = value.span();
    let items = value.into_inner();
    let fail = |message: String| Err(problem(key, span.clone(), message));
    if items.is_empty() {
        return fail(format!(
            "must name at least one {what} (an empty list matches nothing; leave the key out)"
        ));
    }
    for (i, item) in items.iter().enumerate() {
        if item.trim().is_empty() {
            return fail(format!("an empty {what} name matches nothing"));
        }
        if items[..i].contains(item) {
            return fail(format!("{item:?} is listed twice"));
        }
    }
    Ok(items)
}

fn rule(
    entry: RuleConfig,
    span: &Range<usize>,
    tokens: &[(TokenRule, Range<usize>)],
    groups: &BTreeMap<String, Vec<String>>,
    knows_users: bool,
) -> Result<RuleSettings, Problem> {
    let name = entry.name;
    let fail = |key: &str, span: Range<usize>, message: String| {
        Err(problem(key, span, format!("rule {name:?}: {message}")))
    };
    if !is_name(&name) {
        return Err(problem(
            "tools.rules.name",
            span.clone(),
            format!("{name:?} is not a rule name: use 1 to 64 letters, digits, `-`, `_` or `.`"),
        ));
    }
    let named = |key: &str, value: Spanned<Vec<String>>, what: &str| {
        list(key, value, what).map_err(|(k, s, m)| (k, s, format!("rule {name:?}: {m}")))
    };
    let (effect, key, tools) = match (entry.allow, entry.deny) {
        (Some(tools), None) => (Effect::Allow, "tools.rules.allow", tools),
        (None, Some(tools)) => (Effect::Deny, "tools.rules.deny", tools),
        _ => {
            return fail(
                "tools.rules.allow",
                span.clone(),
                "give exactly one of `allow` and `deny` (the tools the rule is about)".into(),
            );
        }
    };
    let tools_span = tools.span();
    let tools = named(key, tools, "tool")?;
    let tools = if tools.iter().any(|t| t == ALL_TOOLS) {
        if tools.len() > 1 {
            return fail(
                key,
                tools_span,
                "`\"*\"` means every tool; list it alone".into(),
            );
        }
        None
    } else {
        Some(tools)
    };
    let optional = |key: &str, value: Option<Spanned<Vec<String>>>, what: &str| {
        value.map_or(Ok(Vec::new()), |v| named(key, v, what))
    };
    let token_span = entry.tokens.as_ref().map(Spanned::span);
    let token_names = optional("tools.rules.tokens", entry.tokens, "token")?;
    if let Some(unknown) = token_names
        .iter()
        .find(|t| !tokens.iter().any(|(rule, _)| &rule.name == *t))
    {
        let known: Vec<&str> = tokens.iter().map(|(r, _)| r.name.as_str()).collect();
        return fail(
            "tools.rules.tokens",
            token_span.unwrap_or_else(|| span.clone()),
            format!(
                "no token is named {unknown:?}; tokens: {}",
                if known.is_empty() {
                    "none configured".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        );
    }
    let group_span = entry.groups.as_ref().map(Spanned::span);
    let group_names = optional("tools.rules.groups", entry.groups, "group")?;
    if let Some(unknown) = group_names.iter().find(|g| !groups.contains_key(*g)) {
        return fail(
            "tools.rules.groups",
            group_span.unwrap_or_else(|| span.clone()),
            format!("no group {unknown:?} in `[tools.groups]`"),
        );
    }
    let roles = optional("tools.rules.roles", entry.roles, "role")?;
    let users = optional("tools.rules.users", entry.users, "user")?;
    let names_users = !(roles.is_empty() && users.is_empty() && group_names.is_empty());
    if token_names.is_empty() && !names_users {
        return fail(
            "tools.rules",
            span.clone(),
            "says whom it is about with at least one of `tokens`, `roles`, `users` and `groups`"
                .into(),
        );
    }
    if names_users && !knows_users {
        return fail(
            "tools.rules",
            span.clone(),
            "matches users, but no call names a user: set `[tools.open_webui] jwt_secret`, or \
             `assert_users = true` on Open WebUI's token"
                .into(),
        );
    }
    let arguments = match entry.arguments {
        None => Vec::new(),
        Some(args) => arguments(args, tools.is_none())
            .map_err(|(k, s, m)| (k, s, format!("rule {name:?}: {m}")))?,
    };
    Ok(RuleSettings {
        name,
        effect,
        tools,
        tokens: token_names,
        roles,
        users,
        groups: group_names,
        arguments,
        line: 0,
    })
}

fn arguments(
    args: Spanned<BTreeMap<String, Vec<String>>>,
    every_tool: bool,
) -> Result<Vec<(String, Vec<String>)>, Problem> {
    let span = args.span();
    let args = args.into_inner();
    let fail = |message: String| Err(problem("tools.rules.arguments", span.clone(), message));
    if args.is_empty() {
        return fail("names no argument (leave `arguments` out for any arguments)".into());
    }
    if every_tool {
        return fail("an argument is checked per tool: list the tools instead of `\"*\"`".into());
    }
    let mut out = Vec::new();
    for (key, values) in args {
        let values = list(
            &format!("tools.rules.arguments.{key}"),
            Spanned::new(span.clone(), values),
            "value",
        )?;
        out.push((key, values));
    }
    Ok(out)
}

fn user_limits(
    limits: Spanned<UserLimitsConfig>,
    knows_users: bool,
) -> Result<UserLimitSettings, Problem> {
    let span = limits.span();
    let limits = limits.into_inner();
    let fail = |key: &str, message: &str| Err(problem(key, span.clone(), message.to_owned()));
    for (key, value) in [
        ("rate_per_minute", limits.rate_per_minute),
        ("max_concurrent", limits.max_concurrent),
    ] {
        if value == Some(0) {
            return fail(
                &format!("tools.user_limits.{key}"),
                "must be at least 1 (leave it out for no limit)",
            );
        }
    }
    if limits.max_users == Some(0) {
        return fail("tools.user_limits.max_users", "must be at least 1");
    }
    if limits.rate_per_minute.is_none() && limits.max_concurrent.is_none() {
        return fail(
            "tools.user_limits",
            "sets no limit: give `rate_per_minute`, `max_concurrent` or both",
        );
    }
    if !knows_users {
        return fail(
            "tools.user_limits",
            "no call names a user: set `[tools.open_webui] jwt_secret`, or `assert_users = true` \
             on Open WebUI's token",
        );
    }
    Ok(UserLimitSettings {
        rate_per_minute: limits.rate_per_minute,
        max_concurrent: limits.max_concurrent,
        max_users: limits.max_users.unwrap_or(DEFAULT_MAX_USERS),
    })
}

impl Settings {
    /// Refuses token lists and rules that name a tool the registry does not offer (`defs`: the
    /// registry's definitions), and argument rules on an argument a call may leave out or give
    /// as something other than a string (the rule could then be walked around). Runs once the
    /// registry is built, because connector tools are only known then; `serve` and
    /// `config check` both call it.
    ///
    /// # Errors
    /// The token or rule, its line, and what is wrong, as a [`ConfigError::Invalid`].
    pub fn check_against_tools(&self, defs: &[ToolDefinition]) -> Result<(), ConfigError> {
        let names: Vec<&str> = defs.iter().map(ToolDefinition::name).collect();
        let offered = || names.join(", ");
        for rule in &self.tokens {
            for tool in rule.tools.iter().flatten() {
                if !names.contains(&tool.as_str()) {
                    return Err(ConfigError::Invalid {
                        key: "tools.tokens.tools".to_owned(),
                        line: rule.line,
                        message: format!(
                            "token {:?} lists {tool:?}, which is not an offered tool; offered: {}",
                            rule.name,
                            offered()
                        ),
                    });
                }
            }
        }
        for rule in &self.policy.rules {
            let invalid = |key: &str, message: String| ConfigError::Invalid {
                key: key.to_owned(),
                line: rule.line,
                message: format!("rule {:?}: {message}", rule.name),
            };
            let key = match rule.effect {
                Effect::Allow => "tools.rules.allow",
                Effect::Deny => "tools.rules.deny",
            };
            for tool in rule.tools.iter().flatten() {
                let Some(def) = defs.iter().find(|d| d.name() == tool) else {
                    return Err(invalid(
                        key,
                        format!("{tool:?} is not an offered tool; offered: {}", offered()),
                    ));
                };
                for (arg, values) in &rule.arguments {
                    self.check_argument(def, arg, values)
                        .map_err(|m| invalid(&format!("tools.rules.arguments.{arg}"), m))?;
                }
            }
        }
        Ok(())
    }

    /// Whether every call of `def` must carry `arg` as a string, and `values` are values it can
    /// take (an `enum` in the schema, or the configured databases of `query_database`).
    fn check_argument(
        &self,
        def: &ToolDefinition,
        arg: &str,
        values: &[String],
    ) -> Result<(), String> {
        let tool = def.name();
        let params = def.parameters();
        let property = params.get("properties").and_then(|p| p.get(arg));
        let required = params
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|k| k == arg));
        let Some(property) = property else {
            return Err(format!("`{tool}` has no argument `{arg}`"));
        };
        if property.get("type").and_then(Value::as_str) != Some("string") {
            return Err(format!("`{tool}`'s argument `{arg}` is not a string"));
        }
        if !required {
            return Err(format!(
                "`{tool}`'s argument `{arg}` is optional, so a call that leaves it out would pass \
                 the rule by; constrain a required argument"
            ));
        }
        let known: Option<Vec<&str>> = if tool == "query_database" && arg == "database" {
            Some(self.databases.iter().map(DatabaseConfig::name).collect())
        } else {
            property
                .get("enum")
                .and_then(Value::as_array)
                .map(|e| e.iter().filter_map(Value::as_str).collect())
        };
        if let Some(known) = known
            && let Some(value) = values.iter().find(|v| !known.contains(&v.as_str()))
        {
            return Err(format!(
                "{value:?} is not a value `{tool}` takes for `{arg}`; it takes: {}",
                known.join(", ")
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
