//! Which hosts `fetch_url` may open: the operator's allow and deny lists, one pure function.
//!
//! This is a policy on names, on top of core's network policy on addresses (the SSRF guard,
//! which every hop passes as well): a name rule says "only our docs site" or "never the
//! intranet wiki", the address rule says "never a private address, whatever the name".

use std::fmt;

/// Host names `fetch_url` may or may not open. A rule `example.com` covers `example.com` and
/// every subdomain (`docs.example.com`), not `badexample.com`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostRules {
    allow: Vec<String>,
    deny: Vec<String>,
}

/// Why a host was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostRefusal {
    /// The host is on the deny list (the matching rule).
    Denied(String),
    /// An allow list exists and the host is not on it.
    NotAllowed,
}

impl fmt::Display for HostRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostRefusal::Denied(rule) => write!(f, "the host is denied by the rule `{rule}`"),
            HostRefusal::NotAllowed => write!(f, "the host is not on the allow list"),
        }
    }
}

impl HostRules {
    /// Every host allowed (the address policy still applies).
    pub fn any() -> Self {
        Self::default()
    }

    /// Only these hosts (and their subdomains) may be opened; an empty list allows every host.
    #[must_use]
    pub fn allow(mut self, hosts: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.allow = hosts.into_iter().map(|h| normalise(&h.into())).collect();
        self
    }

    /// These hosts (and their subdomains) are never opened, even when allowed.
    #[must_use]
    pub fn deny(mut self, hosts: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.deny = hosts.into_iter().map(|h| normalise(&h.into())).collect();
        self
    }

    /// Whether `host` may be opened: a deny rule wins over an allow rule.
    ///
    /// ```
    /// use switchboard_connectors::fetch_url::{HostRefusal, HostRules};
    /// let rules = HostRules::any().allow(["example.com"]).deny(["secret.example.com"]);
    /// assert_eq!(rules.check("docs.example.com"), Ok(()));
    /// assert_eq!(rules.check("badexample.com"), Err(HostRefusal::NotAllowed));
    /// assert!(rules.check("a.secret.example.com").is_err());
    /// ```
    ///
    /// # Errors
    /// Which rule refused.
    pub fn check(&self, host: &str) -> Result<(), HostRefusal> {
        let host = normalise(host);
        if let Some(rule) = self.deny.iter().find(|rule| covers(rule, &host)) {
            return Err(HostRefusal::Denied(rule.clone()));
        }
        if self.allow.is_empty() || self.allow.iter().any(|rule| covers(rule, &host)) {
            Ok(())
        } else {
            Err(HostRefusal::NotAllowed)
        }
    }
}

/// Lower case, without a trailing dot (`Example.COM.` and `example.com` are one host).
fn normalise(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

fn covers(rule: &str, host: &str) -> bool {
    host == rule
        || host
            .strip_suffix(rule)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_covers_its_subdomains_but_not_a_longer_name() {
        let rules = HostRules::any().allow(["example.com"]);
        assert_eq!(rules.check("example.com"), Ok(()));
        assert_eq!(rules.check("a.b.example.com"), Ok(()));
        assert_eq!(rules.check("notexample.com"), Err(HostRefusal::NotAllowed));
    }

    #[test]
    fn deny_wins_over_allow() {
        let rules = HostRules::any()
            .allow(["example.com"])
            .deny(["intranet.example.com"]);
        assert_eq!(
            rules.check("wiki.intranet.example.com"),
            Err(HostRefusal::Denied("intranet.example.com".into()))
        );
    }

    #[test]
    fn case_and_a_trailing_dot_do_not_escape_a_rule() {
        let rules = HostRules::any().deny(["example.com"]);
        assert!(rules.check("EXAMPLE.com.").is_err());
    }

    #[test]
    fn no_lists_allow_every_host() {
        assert_eq!(HostRules::any().check("anything.test"), Ok(()));
    }
}
