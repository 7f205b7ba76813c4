//! Event-type patterns: the one rule for `github.*` in endpoint filters and list queries.
//!
//! A pattern is an exact type (`github.push`), a prefix wildcard (`github.*`: every type that
//! starts with `github.` and has something after it, at any depth), or `*` (every type). A `*`
//! anywhere else is an ordinary character, so types that contain one stay matchable exactly.
//! Endpoint filters ([`EventFilter`](super::EventFilter)), the memory store and both SQL stores
//! all decide through [`EventTypePattern::matches`] or, in SQL, through the prefix it gives.

/// One parsed pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventTypePattern<'a> {
    /// `*`: every type.
    Any,
    /// `prefix.*`: types that start with `prefix.` (held with its dot) and are longer.
    Prefix(&'a str),
    /// Exactly this type.
    Exact(&'a str),
}

impl<'a> EventTypePattern<'a> {
    /// Reads a pattern; every string is a pattern.
    pub fn parse(pattern: &'a str) -> Self {
        if pattern == "*" {
            Self::Any
        } else if let Some(stem) = pattern.strip_suffix('*').filter(|s| s.ends_with('.')) {
            Self::Prefix(stem)
        } else {
            Self::Exact(pattern)
        }
    }

    /// Whether `event_type` is one of the types this pattern names.
    pub fn matches(self, event_type: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Prefix(stem) => event_type.len() > stem.len() && event_type.starts_with(stem),
            Self::Exact(t) => t == event_type,
        }
    }

    /// Whether the pattern names more than one type.
    pub fn is_wildcard(self) -> bool {
        !matches!(self, Self::Exact(_))
    }
}

/// Every pattern text that matches `event_type`: the type itself, `*`, and `stem*` for each
/// stem ending in `.` that is shorter than the type. A finite set, so a SQL store can ask
/// "does the endpoint's filter list any of these" instead of re-implementing
/// [`EventTypePattern::matches`].
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) fn patterns_matching(event_type: &str) -> Vec<String> {
    let mut out = vec![event_type.to_owned(), "*".to_owned()];
    for (i, _) in event_type.match_indices('.') {
        if i + 1 < event_type.len() {
            out.push(format!("{}*", &event_type[..=i]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::EventTypePattern as P;

    #[test]
    fn an_exact_pattern_matches_only_its_type() {
        assert!(P::parse("github.push").matches("github.push"));
        assert!(!P::parse("github.push").matches("github.push.x"));
        assert!(!P::parse("github.push").matches("github"));
    }

    #[test]
    fn a_prefix_wildcard_matches_every_depth_below_it() {
        let p = P::parse("github.*");
        assert!(p.matches("github.push"));
        assert!(p.matches("github.pull_request.opened"));
        assert!(!p.matches("github."));
        assert!(!p.matches("github"));
        assert!(!p.matches("githubx.push"));
        assert!(!p.matches("gitlab.push"));
    }

    #[test]
    fn a_lone_star_matches_every_type() {
        assert!(P::parse("*").matches("anything.at.all"));
    }

    #[test]
    fn patterns_matching_lists_exactly_the_patterns_that_match() {
        let types = ["a", "a.b", "a.b.c", "a.", "a..b", ".a", "*", "a.*", "ab.c"];
        let patterns = [
            "a", "a.b", "a.*", "a.b.*", "a..*", "*", ".*", "a.b.c", "ab.*", "a*", "a.",
        ];
        for t in types {
            let listed = super::patterns_matching(t);
            for p in patterns {
                assert_eq!(
                    listed.iter().any(|l| l == p),
                    P::parse(p).matches(t),
                    "type {t:?}, pattern {p:?}"
                );
            }
        }
    }

    #[test]
    fn a_star_that_is_not_a_trailing_segment_is_literal() {
        assert_eq!(P::parse("git*"), P::Exact("git*"));
        assert_eq!(P::parse("a.*.b"), P::Exact("a.*.b"));
        assert!(P::parse("git*").matches("git*"));
        assert!(!P::parse("git*").matches("github"));
    }
}
