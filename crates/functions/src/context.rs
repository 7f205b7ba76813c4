//! Who is calling a tool: the [`Context`] a call carries to the tool that asks for it.
//!
//! The registry does not decide who a caller is; whoever receives the call (the gateway from
//! its tokens and Open WebUI's user token, an agent loop from its own session) fills a
//! `Context` and attaches it with [`ToolCall::with_context`](crate::ToolCall::with_context).
//! A tool that wants it overrides [`Tool::call_with_context`](crate::Tool::call_with_context)
//! or is registered as a closure taking a second `Context` argument; every other tool runs as
//! before. The context names; it grants nothing: access decisions belong before the call.

use std::fmt;
use std::sync::Arc;

/// The user behind a call, as the caller's identity provider named them (Open WebUI's user
/// token: `sub`, `email`, `name`, `role`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    /// The user id (`sub`).
    pub id: String,
    /// Their email.
    pub email: Option<String>,
    /// Their display name.
    pub name: Option<String>,
    /// Their role (`user`, `admin`, …).
    pub role: Option<String>,
}

impl User {
    /// A user known by `id` only.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// How a message shown to other people can name them: the display name, else the email
    /// (never the opaque id). `None` when neither is known.
    pub fn display_name(&self) -> Option<&str> {
        non_blank(self.name.as_deref()).or_else(|| non_blank(self.email.as_deref()))
    }
}

/// Who is calling: the token (by name), the user when known, the chat and the message.
///
/// Cheap to clone (one reference count); [`Context::default`] is "no caller known" and
/// allocates nothing, which is what a call without [`with_context`](crate::ToolCall::with_context)
/// carries. Built with the `with_*` methods:
///
/// ```
/// use switchboard_functions::{Context, User};
///
/// let mut ada = User::new("u-42");
/// ada.name = Some("Ada Lovelace".into());
/// ada.email = Some("ada@example.com".into());
/// let ctx = Context::default().with_token("open-webui").with_user(ada).with_chat_id("c-1");
/// assert_eq!(ctx.on_behalf_of().as_deref(), Some("Ada Lovelace <ada@example.com>"));
/// assert_eq!(ctx.token(), Some("open-webui"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Context {
    inner: Option<Arc<Inner>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Inner {
    token: Option<String>,
    user: Option<User>,
    chat_id: Option<String>,
    message_id: Option<String>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            None => f.write_str("Context(none)"),
            Some(inner) => f
                .debug_struct("Context")
                .field("token", &inner.token)
                .field("user", &inner.user)
                .field("chat_id", &inner.chat_id)
                .field("message_id", &inner.message_id)
                .finish(),
        }
    }
}

impl Context {
    fn inner_mut(&mut self) -> &mut Inner {
        Arc::make_mut(self.inner.get_or_insert_with(Arc::default))
    }

    /// Names the token (or other credential) the call came with.
    #[must_use]
    pub fn with_token(mut self, name: impl Into<String>) -> Self {
        self.inner_mut().token = Some(name.into());
        self
    }

    /// Sets the user the call is made for.
    #[must_use]
    pub fn with_user(mut self, user: User) -> Self {
        self.inner_mut().user = Some(user);
        self
    }

    /// Sets the chat the call belongs to, as the caller reported it.
    #[must_use]
    pub fn with_chat_id(mut self, id: impl Into<String>) -> Self {
        self.inner_mut().chat_id = Some(id.into());
        self
    }

    /// Sets the message the call answers, as the caller reported it.
    #[must_use]
    pub fn with_message_id(mut self, id: impl Into<String>) -> Self {
        self.inner_mut().message_id = Some(id.into());
        self
    }

    /// Whether nothing is known about the caller.
    pub fn is_empty(&self) -> bool {
        self.inner.as_deref().is_none_or(|i| *i == Inner::default())
    }

    /// The name of the token the call came with.
    pub fn token(&self) -> Option<&str> {
        self.inner.as_deref()?.token.as_deref()
    }

    /// The user, when known.
    pub fn user(&self) -> Option<&User> {
        self.inner.as_deref()?.user.as_ref()
    }

    /// The chat id, as the caller reported it.
    pub fn chat_id(&self) -> Option<&str> {
        self.inner.as_deref()?.chat_id.as_deref()
    }

    /// The message id, as the caller reported it.
    pub fn message_id(&self) -> Option<&str> {
        self.inner.as_deref()?.message_id.as_deref()
    }

    /// The user this call acts for, for a log line or an audit note: `Name <email>`, or
    /// whichever of the two is known, else the user id. `None` without a user.
    pub fn on_behalf_of(&self) -> Option<String> {
        let user = self.user()?;
        let name = non_blank(user.name.as_deref());
        let email = non_blank(user.email.as_deref());
        Some(match (name, email) {
            (Some(name), Some(email)) => format!("{name} <{email}>"),
            (Some(one), None) | (None, Some(one)) => one.to_owned(),
            (None, None) => user.id.clone(),
        })
    }
}

fn non_blank(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> User {
        User {
            id: "u-42".into(),
            email: Some("ada@example.com".into()),
            name: Some("Ada Lovelace".into()),
            role: Some("admin".into()),
        }
    }

    #[test]
    fn the_default_context_knows_no_one() {
        let ctx = Context::default();
        assert!(ctx.is_empty());
        assert_eq!(ctx.token(), None);
        assert_eq!(ctx.user(), None);
        assert_eq!(ctx.on_behalf_of(), None);
        assert_eq!(format!("{ctx:?}"), "Context(none)");
    }

    #[test]
    fn on_behalf_of_names_the_user_with_their_email() {
        let ctx = Context::default().with_user(ada());
        assert_eq!(
            ctx.on_behalf_of().as_deref(),
            Some("Ada Lovelace <ada@example.com>")
        );
    }

    #[test]
    fn on_behalf_of_falls_back_to_what_is_known() {
        let mut user = ada();
        user.name = Some("  ".into());
        let ctx = Context::default().with_user(user.clone());
        assert_eq!(ctx.on_behalf_of().as_deref(), Some("ada@example.com"));
        user.email = None;
        let ctx = Context::default().with_user(user);
        assert_eq!(ctx.on_behalf_of().as_deref(), Some("u-42"));
    }

    #[test]
    fn display_name_never_shows_the_id() {
        assert_eq!(ada().display_name(), Some("Ada Lovelace"));
        let mut user = ada();
        user.name = None;
        assert_eq!(user.display_name(), Some("ada@example.com"));
        assert_eq!(User::new("u-42").display_name(), None);
    }

    #[test]
    fn a_clone_shares_and_a_change_does_not_leak_into_it() {
        let base = Context::default().with_token("owui");
        let with_chat = base.clone().with_chat_id("c-1");
        assert_eq!(base.chat_id(), None);
        assert_eq!(with_chat.chat_id(), Some("c-1"));
        assert_eq!(with_chat.token(), Some("owui"));
        assert!(!base.is_empty());
    }
}
