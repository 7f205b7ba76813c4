//! Slack's message markup read as plain text: `<@U…>` as `@Name`, `<#C…|general>` as
//! `#general`, `<!here>` as `@here`, `<https://…|label>` as `label (https://…)`, and the
//! `&lt;` `&gt;` `&amp;` escapes undone, so that a model reads what people saw.

/// `text` as plain text; `user` names a user id when it can.
pub(super) fn to_plain(text: &str, user: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        out.push_str(&unescape(&rest[..start]));
        let inner = &rest[start + 1..start + len];
        let (target, label) = match inner.split_once('|') {
            Some((t, l)) => (t, Some(unescape(l))),
            None => (inner, None),
        };
        match target.split_at_checked(1) {
            Some(("@", id)) => {
                out.push('@');
                match user(id) {
                    Some(name) => out.push_str(&name),
                    None => out.push_str(label.as_deref().unwrap_or(id)),
                }
            }
            Some(("#", id)) => {
                out.push('#');
                out.push_str(label.as_deref().unwrap_or(id));
            }
            // `<!here>`, `<!channel>`, `<!subteam^S…|@team>`, `<!date^…|fallback>`.
            Some(("!", special)) => match label {
                Some(l) => out.push_str(&l),
                None => {
                    out.push('@');
                    out.push_str(special.split('^').next().unwrap_or(special));
                }
            },
            _ => {
                let target = unescape(target);
                match label {
                    Some(l) if l != target => out.push_str(&format!("{l} ({target})")),
                    _ => out.push_str(&target),
                }
            }
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(&unescape(rest));
    out
}

/// Undoes Slack's three escapes (`&amp;` last, so `&amp;lt;` stays `&lt;`).
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> String {
        to_plain(text, |id| (id == "U1").then(|| "Ada Lovelace".to_owned()))
    }

    #[test]
    fn mentions_channels_and_specials_read_as_shown() {
        assert_eq!(
            plain("<@U1> and <@U2|bob> in <#C1|general>, <!here> <!subteam^S1|@oncall>"),
            "@Ada Lovelace and @bob in #general, @here @oncall"
        );
        assert_eq!(plain("<@U9> in <#C9>"), "@U9 in #C9");
    }

    #[test]
    fn links_keep_their_address() {
        assert_eq!(
            plain("see <https://example.com/a?b=1&amp;c=2|the runbook> or <https://x.io>"),
            "see the runbook (https://example.com/a?b=1&c=2) or https://x.io"
        );
        assert_eq!(
            plain("<mailto:a@example.com|a@example.com>"),
            "a@example.com (mailto:a@example.com)"
        );
    }

    #[test]
    fn escapes_are_undone_and_stray_brackets_kept() {
        assert_eq!(plain("a &lt; b &amp;&amp; c &gt; d"), "a < b && c > d");
        assert_eq!(plain("x <unclosed"), "x <unclosed");
        assert_eq!(plain("&amp;lt;"), "&lt;");
    }
}
