//! Which caller may call which tool: one pure function, [`decide`], asked by every call (REST and
//! MCP, before the arguments are validated) and by every listing (`/openapi.json` and MCP
//! `tools/list` show a caller exactly the tools [`visible`] says it may call).
//!
//! A decision weighs, in this order (the first that decides wins):
//!
//! 1. **The token's own list.** A token with `tools = [...]` may call only those tools.
//! 2. **Deny rules.** The first `deny` rule (in file order) that covers the call and matches the
//!    caller refuses it, whatever any allow rule says: deny beats allow.
//! 3. **Allow rules.** An `allow` rule covers a call when it names the tool (or `"*"`) and its
//!    `arguments`, if any, match the call's. Once any allow rule covers a call, only a caller
//!    that one of the covering rules matches may make it; the others are refused.
//! 4. **Otherwise the call is open**: a tool no rule covers is allowed to every caller with a
//!    token that lists it, so a config without rules behaves as before rules existed.
//!
//! A rule matches a caller when the caller's token is in `tokens` (if given) **and** the
//! caller's user is one of `users`, a member of one of `groups`, or holds one of `roles` (if any
//! of these is given). A caller without a user (a plain token) matches no user, group or role.
//!
//! A rule with `arguments` looks at top-level string arguments of the raw call, before any
//! validation; the config check has made sure each such argument is a required string, so a call
//! that leaves it out or gives another type is refused by validation anyway. Arguments the
//! policy cannot read (not a JSON object, or a constrained key given twice) are refused when a
//! rule constrains an argument of that tool. Listings ignore rules with `arguments`: such a rule
//! refuses some calls of a tool, not the tool.
//!
//! The refusal told to the caller names no rule (see `crate::http::dispatch`); the [`Refusal`]
//! names the rule for the operator's log.

mod arguments;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

pub use self::arguments::CallArguments;
use crate::config::{Effect, PolicySettings, RuleSettings, TokenRule};

/// Who is calling, as far as the policy cares.
#[derive(Debug, Clone, Copy, Default)]
pub struct Principal<'a> {
    /// The token's name (`None` when the gateway has no tokens).
    pub token: Option<&'a str>,
    /// The Open WebUI user id, when known.
    pub user_id: Option<&'a str>,
    /// The user's email, when known.
    pub email: Option<&'a str>,
    /// The user's Open WebUI role, when known.
    pub role: Option<&'a str>,
}

/// What the policy says about one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision<'p> {
    /// No rule covers the call: it is allowed.
    Open,
    /// An allow rule admits the caller.
    Allowed {
        /// The admitting rule's name.
        rule: &'p str,
    },
    /// The call is refused.
    Refused(Refusal<'p>),
}

impl<'p> Decision<'p> {
    /// The refusal, when the call is refused.
    pub fn refusal(self) -> Option<Refusal<'p>> {
        match self {
            Decision::Refused(refusal) => Some(refusal),
            Decision::Open | Decision::Allowed { .. } => None,
        }
    }
}

/// Why a call was refused, naming the deciding rule (for the operator's log only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal<'p> {
    /// The token's `tools` list does not name the tool.
    TokenList {
        /// The token's name.
        token: &'p str,
    },
    /// A deny rule matched.
    Denied {
        /// The rule's name.
        rule: &'p str,
    },
    /// Allow rules cover the call and none matches the caller.
    NotAllowed {
        /// The first covering allow rule's name.
        rule: &'p str,
    },
    /// A rule constrains an argument of the tool and the arguments could not be read.
    UnreadableArguments {
        /// The first such rule's name.
        rule: &'p str,
    },
}

impl Refusal<'_> {
    /// The name of the deciding rule (`tools.tokens` entries are named by their token).
    pub fn rule(&self) -> &str {
        match self {
            Refusal::TokenList { token: name }
            | Refusal::Denied { rule: name }
            | Refusal::NotAllowed { rule: name }
            | Refusal::UnreadableArguments { rule: name } => name,
        }
    }
}

impl fmt::Display for Refusal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::TokenList { token } => write!(f, "token {token:?}'s `tools` list"),
            Refusal::Denied { rule } => write!(f, "deny rule {rule:?}"),
            Refusal::NotAllowed { rule } => {
                write!(f, "allow rule {rule:?} (no covering allow rule matches)")
            }
            Refusal::UnreadableArguments { rule } => {
                write!(f, "rule {rule:?} (its argument could not be read)")
            }
        }
    }
}

/// The rules in force, indexed by tool; built once at start.
#[derive(Debug, Default)]
pub struct Policy {
    /// Token name → the sorted tools it may call (only tokens with a list).
    token_tools: HashMap<Box<str>, Names>,
    rules: Vec<Rule>,
    /// Tool name → the rules that cover it.
    by_tool: HashMap<Box<str>, ToolRules>,
    /// The rules for every tool (`"*"`), for a name no rule names.
    every_tool: ToolRules,
}

/// The rules that may cover one tool, and the arguments they read.
#[derive(Debug, Default)]
struct ToolRules {
    /// Indices into [`Policy::rules`], in file order.
    rules: Box<[usize]>,
    /// The argument names any of them constrains (read once per call).
    keys: Names,
    /// The first of them that constrains an argument.
    first_with_arguments: Option<usize>,
}

#[derive(Debug)]
struct Rule {
    name: Box<str>,
    effect: Effect,
    /// Token names; empty: any token.
    tokens: Names,
    /// The users it matches; `None`: any caller, with a user or not.
    users: Option<Users>,
    /// Argument name → accepted values; empty: any arguments.
    arguments: Box<[(Box<str>, Names)]>,
}

/// A short list of names, compared in order.
type Names = Box<[Box<str>]>;

/// The users a rule matches, groups resolved to their members.
#[derive(Debug, Default)]
struct Users {
    ids: HashSet<Box<str>>,
    /// ASCII-lowercased.
    emails: HashSet<Box<str>>,
    roles: Names,
}

impl Users {
    fn matches(&self, who: &Principal<'_>) -> bool {
        if let Some(id) = who.user_id
            && self.ids.contains(id)
        {
            return true;
        }
        if let Some(email) = who.email
            && !self.emails.is_empty()
        {
            let found = if email.bytes().any(|b| b.is_ascii_uppercase()) {
                self.emails.contains(email.to_ascii_lowercase().as_str())
            } else {
                self.emails.contains(email)
            };
            if found {
                return true;
            }
        }
        // A role without a user is not a user's role.
        who.user_id.is_some()
            && who
                .role
                .is_some_and(|role| self.roles.iter().any(|r| &**r == role))
    }
}

impl Rule {
    fn new(rule: &RuleSettings, groups: &BTreeMap<String, Vec<String>>) -> Self {
        let names_users =
            !(rule.users.is_empty() && rule.groups.is_empty() && rule.roles.is_empty());
        let users = names_users.then(|| {
            let mut users = Users {
                roles: boxed(&rule.roles),
                ..Users::default()
            };
            let members = rule.groups.iter().filter_map(|g| groups.get(g)).flatten();
            for entry in rule.users.iter().chain(members) {
                if entry.contains('@') {
                    users.emails.insert(entry.to_ascii_lowercase().into());
                } else {
                    users.ids.insert(entry.as_str().into());
                }
            }
            users
        });
        Rule {
            name: rule.name.as_str().into(),
            effect: rule.effect,
            tokens: boxed(&rule.tokens),
            users,
            arguments: rule
                .arguments
                .iter()
                .map(|(k, v)| (k.as_str().into(), boxed(v)))
                .collect(),
        }
    }

    fn covers_tool(settings: &RuleSettings, tool: &str) -> bool {
        settings
            .tools
            .as_ref()
            .is_none_or(|tools| tools.iter().any(|t| t == tool))
    }

    fn matches(&self, who: &Principal<'_>) -> bool {
        let token_ok = self.tokens.is_empty()
            || who
                .token
                .is_some_and(|token| self.tokens.iter().any(|t| &**t == token));
        token_ok && self.users.as_ref().is_none_or(|users| users.matches(who))
    }

    /// Whether the call's arguments are ones this rule is about (`values`: the arguments the
    /// tool's rules read, aligned with `keys`; `None` for a listing).
    fn covers_arguments(&self, keys: &[Box<str>], values: Option<&[Option<String>]>) -> bool {
        if self.arguments.is_empty() {
            return true;
        }
        let Some(values) = values else {
            return false;
        };
        self.arguments.iter().all(|(key, accepted)| {
            keys.iter()
                .position(|k| k == key)
                .and_then(|i| values[i].as_deref())
                .is_some_and(|value| accepted.iter().any(|a| &**a == value))
        })
    }
}

fn boxed(items: &[String]) -> Names {
    items.iter().map(|s| s.as_str().into()).collect()
}

impl Policy {
    /// The policy of `tokens` and `settings` over the offered `tools`.
    pub fn new(tokens: &[TokenRule], settings: &PolicySettings, tools: &[&str]) -> Self {
        let token_tools = tokens
            .iter()
            .filter_map(|t| {
                let mut list = boxed(t.tools.as_deref()?);
                list.sort();
                Some((t.name.as_str().into(), list))
            })
            .collect();
        let rules: Vec<Rule> = settings
            .rules
            .iter()
            .map(|r| Rule::new(r, &settings.groups))
            .collect();
        let index = |tool: Option<&str>| {
            let picked: Box<[usize]> = settings
                .rules
                .iter()
                .enumerate()
                .filter(|(_, r)| match tool {
                    Some(tool) => Rule::covers_tool(r, tool),
                    None => r.tools.is_none(),
                })
                .map(|(i, _)| i)
                .collect();
            let mut keys: Vec<Box<str>> = Vec::new();
            for &i in &picked {
                for (key, _) in &rules[i].arguments {
                    if !keys.contains(key) {
                        keys.push(key.clone());
                    }
                }
            }
            ToolRules {
                first_with_arguments: picked
                    .iter()
                    .copied()
                    .find(|&i| !rules[i].arguments.is_empty()),
                rules: picked,
                keys: keys.into(),
            }
        };
        let mut names: Vec<&str> = tools.to_vec();
        names.extend(
            settings
                .rules
                .iter()
                .flat_map(|r| r.tools.iter().flatten().map(String::as_str)),
        );
        let by_tool = names
            .into_iter()
            .map(|tool| (Box::from(tool), index(Some(tool))))
            .collect();
        Policy {
            token_tools,
            every_tool: index(None),
            by_tool,
            rules,
        }
    }

    fn rules_for(&self, tool: &str) -> &ToolRules {
        self.by_tool.get(tool).unwrap_or(&self.every_tool)
    }
}

/// The decision on `who` calling `tool` with `args` (see the module docs for the order).
pub fn decide<'p>(
    policy: &'p Policy,
    who: &Principal<'_>,
    tool: &str,
    args: &CallArguments<'_>,
) -> Decision<'p> {
    if let Some(token) = who.token
        && let Some((name, tools)) = policy.token_tools.get_key_value(token)
        && tools.binary_search_by(|t| (**t).cmp(tool)).is_err()
    {
        return Decision::Refused(Refusal::TokenList { token: name });
    }
    if policy.rules.is_empty() {
        return Decision::Open;
    }
    let for_tool = policy.rules_for(tool);
    if for_tool.rules.is_empty() {
        return Decision::Open;
    }
    let values = match (args, for_tool.first_with_arguments) {
        (CallArguments::Listing, _) | (_, None) => None,
        (args, Some(first)) => match args.strings(&for_tool.keys) {
            Some(values) => Some(values),
            None => {
                return Decision::Refused(Refusal::UnreadableArguments {
                    rule: &policy.rules[first].name,
                });
            }
        },
    };
    let values = values.as_deref();
    let rules = for_tool.rules.iter().map(|&i| &policy.rules[i]);
    let covering = |rule: &&Rule| rule.covers_arguments(&for_tool.keys, values);
    if let Some(rule) = rules
        .clone()
        .filter(|r| r.effect == Effect::Deny)
        .filter(covering)
        .find(|r| r.matches(who))
    {
        return Decision::Refused(Refusal::Denied { rule: &rule.name });
    }
    let mut first_covering = None;
    for rule in rules.filter(|r| r.effect == Effect::Allow).filter(covering) {
        if rule.matches(who) {
            return Decision::Allowed { rule: &rule.name };
        }
        first_covering.get_or_insert(&*rule.name);
    }
    match first_covering {
        None => Decision::Open,
        Some(rule) => Decision::Refused(Refusal::NotAllowed { rule }),
    }
}

/// Whether `who` may call `tool` with some arguments: what listings show.
pub fn visible(policy: &Policy, who: &Principal<'_>, tool: &str) -> bool {
    decide(policy, who, tool, &CallArguments::Listing)
        .refusal()
        .is_none()
}

#[cfg(test)]
mod tests;
