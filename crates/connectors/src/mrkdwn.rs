//! Slack's `mrkdwn` escaping, shared by the Slack tool and Slack notifications.

/// Escapes the three characters Slack's `mrkdwn` treats as control characters, so that
/// `<!channel>` or `<https://…|text>` in untrusted text stays literal.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
