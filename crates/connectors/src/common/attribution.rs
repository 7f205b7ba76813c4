//! Saying on whose behalf a writing tool acts: the one rule for when a message, issue or page
//! credits the caller, and the sentence it uses; each service renders it in its own markup.

use switchboard_functions::Context;

/// How a connector's tools behave beyond what its client does.
///
/// The default credits no one: a tool writes exactly what the model asked for.
///
/// ```
/// use switchboard_connectors::ToolOptions;
/// let options = ToolOptions::default().attribute_caller(true);
/// assert!(options.attributes_caller());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ToolOptions {
    attribute_caller: bool,
}

impl ToolOptions {
    /// Whether writing tools (a Slack message, a GitHub or Jira issue, a Notion page) say which
    /// user they act for, when the call names one: "Sent by Ada Lovelace via Switchboard".
    /// The user is named by display name (else email), never by id.
    #[must_use]
    pub fn attribute_caller(mut self, on: bool) -> Self {
        self.attribute_caller = on;
        self
    }

    /// Whether writing tools credit the caller.
    pub fn attributes_caller(&self) -> bool {
        self.attribute_caller
    }

    /// The name to credit on a call for `ctx`: the user's display name when attribution is on
    /// and the call names a user with a name or an email; `None` otherwise.
    pub(crate) fn credit<'a>(&self, ctx: &'a Context) -> Option<&'a str> {
        if !self.attribute_caller {
            return None;
        }
        ctx.user()?.display_name()
    }
}

/// What the writing did, for the credit line.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Act {
    /// A message was sent.
    Sent,
    /// An issue or page was created.
    Created,
}

/// The credit line in plain text: "Sent by Ada Lovelace via Switchboard", on one line (runs of
/// whitespace in `name`, line breaks included, become one space). Services that read markup
/// escape `name` first.
pub(crate) fn credit_line(act: Act, name: &str) -> String {
    let verb = match act {
        Act::Sent => "Sent",
        Act::Created => "Created",
    };
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{verb} by {name} via Switchboard")
}

#[cfg(test)]
mod tests {
    use switchboard_functions::User;

    use super::*;

    fn ctx(name: Option<&str>, email: Option<&str>) -> Context {
        let mut user = User::new("u-42");
        user.name = name.map(Into::into);
        user.email = email.map(Into::into);
        Context::default().with_user(user)
    }

    #[test]
    fn the_default_credits_no_one() {
        let ada = ctx(Some("Ada Lovelace"), None);
        assert_eq!(ToolOptions::default().credit(&ada), None);
    }

    #[test]
    fn attribution_credits_the_display_name() {
        let on = ToolOptions::default().attribute_caller(true);
        assert_eq!(
            on.credit(&ctx(Some("Ada Lovelace"), Some("ada@example.com"))),
            Some("Ada Lovelace")
        );
        assert_eq!(
            on.credit(&ctx(None, Some("ada@example.com"))),
            Some("ada@example.com")
        );
    }

    #[test]
    fn attribution_credits_no_one_without_a_nameable_user() {
        let on = ToolOptions::default().attribute_caller(true);
        assert_eq!(on.credit(&Context::default().with_token("script")), None);
        assert_eq!(on.credit(&ctx(None, None)), None);
    }

    #[test]
    fn the_credit_line_says_what_was_done() {
        assert_eq!(credit_line(Act::Sent, "Ada"), "Sent by Ada via Switchboard");
        assert_eq!(
            credit_line(Act::Created, "Ada"),
            "Created by Ada via Switchboard"
        );
    }

    #[test]
    fn the_credit_line_stays_on_one_line() {
        assert_eq!(
            credit_line(Act::Sent, " Ada\n\nLovelace\t"),
            "Sent by Ada Lovelace via Switchboard"
        );
    }
}
