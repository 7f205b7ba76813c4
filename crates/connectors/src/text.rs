//! Length limits on text that never split a UTF-8 character.

/// The marker appended to text that was cut.
pub(crate) const ELLIPSIS: char = '…';

/// `text` cut to at most `max` characters (Unicode scalar values), and whether it was cut: for
/// tool outputs, which say `truncated` instead of marking the text.
#[cfg_attr(
    not(any(
        feature = "github",
        feature = "jira",
        feature = "notion",
        feature = "fetch_url",
        feature = "slack",
        feature = "google_calendar"
    )),
    allow(dead_code)
)]
pub(crate) fn cut_chars(mut text: String, max: usize) -> (String, bool) {
    match text.char_indices().nth(max) {
        Some((end, _)) => {
            text.truncate(end);
            (text, true)
        }
        None => (text, false),
    }
}

/// `text` cut to at most `max` characters (Unicode scalar values), ending in `…` when cut.
#[cfg_attr(not(any(feature = "notify", feature = "zapier")), allow(dead_code))]
pub(crate) fn truncate_chars(text: &str, max: usize) -> String {
    if max == 0 {
        return String::new();
    }
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) => {
            // Keep max - 1 characters and the ellipsis.
            let end = text
                .char_indices()
                .nth(max - 1)
                .map_or(text.len(), |(i, _)| i);
            let mut out = String::with_capacity(end + ELLIPSIS.len_utf8());
            out.push_str(&text[..end]);
            out.push(ELLIPSIS);
            out
        }
    }
}

/// `text` cut to at most `max` UTF-8 bytes on a character boundary, ending in `…` when cut.
#[cfg_attr(not(feature = "notify"), allow(dead_code))]
pub(crate) fn truncate_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let room = max.saturating_sub(ELLIPSIS.len_utf8());
    let mut end = room.min(text.len());
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    if max < ELLIPSIS.len_utf8() {
        return String::new();
    }
    let mut out = String::with_capacity(end + ELLIPSIS.len_utf8());
    out.push_str(&text[..end]);
    out.push(ELLIPSIS);
    out
}

/// Splits `text` into pieces of at most `max` characters, preferring to cut after a newline or
/// a space in the last fifth of a piece.
#[cfg_attr(not(feature = "notify"), allow(dead_code))]
pub(crate) fn split_chars(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some((hard, _)) = rest.char_indices().nth(max) else {
            out.push(rest.to_owned());
            break;
        };
        let window = &rest[..hard];
        let floor = window
            .char_indices()
            .nth(max - max / 5)
            .map_or(0, |(i, _)| i);
        let cut = window[floor..]
            .rfind('\n')
            .or_else(|| window[floor..].rfind(' '))
            .map_or(hard, |i| floor + i + 1);
        out.push(rest[..cut].to_owned());
        rest = &rest[cut..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_chars_counts_characters_and_says_whether_it_cut() {
        assert_eq!(cut_chars("héllo".into(), 2), ("hé".to_owned(), true));
        assert_eq!(cut_chars("héllo".into(), 5), ("héllo".to_owned(), false));
    }

    #[test]
    fn never_splits_a_character() {
        let s = "é".repeat(10);
        assert_eq!(truncate_chars(&s, 10), s);
        let cut = truncate_chars(&s, 4);
        assert_eq!(cut.chars().count(), 4);
        assert!(cut.ends_with(ELLIPSIS));
        for max in 0..25 {
            let b = truncate_bytes(&s, max);
            assert!(b.len() <= max, "{max}: {b}");
        }
        let parts = split_chars(&"🦀 ab\n".repeat(100), 37);
        assert!(parts.iter().all(|p| p.chars().count() <= 37));
        assert_eq!(parts.concat(), "🦀 ab\n".repeat(100));
        assert_eq!(truncate_chars("abc", 0), "");
    }
}
