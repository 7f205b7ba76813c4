//! The network policy (SSRF guard): which destinations the client may connect to.
//!
//! When the guard is on, every host name is resolved by [`resolver`](self) code that checks each
//! address and hands only the checked addresses to the connector, so there is no second
//! resolution an attacker could race. IP-literal hosts bypass resolution and are checked by the
//! client before any connection is made; redirects, when allowed, are re-checked hop by hop.

mod cidr;
mod ranges;
pub(crate) mod resolver;

use std::net::IpAddr;

pub use cidr::Cidr;
pub use ranges::denied_range;

/// Which destinations the client may connect to.
///
/// [`NetPolicy::allow_all`] (the default) performs no checks. [`NetPolicy::public_only`] turns the
/// SSRF guard on: addresses in [`denied_range`] are refused unless allow-listed by CIDR or by host
/// name. Extra [`deny_cidr`](NetPolicy::deny_cidr) ranges apply in both modes.
///
/// ```
/// use switchboard_core::net::{Cidr, NetPolicy};
/// let policy = NetPolicy::public_only()
///     .allow_cidr("10.20.0.0/16".parse::<Cidr>()?)
///     .allow_host("vault.internal");
/// assert!(policy.check_ip("vault.internal", "10.99.0.1".parse()?).is_ok());
/// assert!(policy.check_ip("evil.example", "10.99.0.1".parse()?).is_err());
/// assert!(policy.check_ip("svc", "10.20.0.7".parse()?).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct NetPolicy {
    guard: bool,
    allow_cidrs: Vec<Cidr>,
    deny_cidrs: Vec<Cidr>,
    allow_hosts: Vec<String>,
}

/// Why the policy refused an address.
#[derive(Debug, Clone, thiserror::Error)]
#[error("address {addr} of host {host:?} is not allowed: {reason}")]
pub struct PolicyViolation {
    host: String,
    addr: IpAddr,
    reason: String,
}

impl PolicyViolation {
    /// The host name (or IP literal) that was requested.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The address that was refused.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// Why it was refused (the denied range).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl NetPolicy {
    /// No checks: any destination is allowed (apart from explicit [`deny_cidr`](Self::deny_cidr)).
    pub fn allow_all() -> Self {
        Self::default()
    }

    /// The SSRF guard: only globally reachable addresses, plus the allow-lists.
    pub fn public_only() -> Self {
        Self {
            guard: true,
            ..Self::default()
        }
    }

    /// Allows every address in `cidr` even though it is in a denied range.
    #[must_use]
    pub fn allow_cidr(mut self, cidr: Cidr) -> Self {
        self.allow_cidrs.push(cidr);
        self
    }

    /// Trusts a host name: its addresses are not checked.
    ///
    /// `name` matches exactly (case-insensitive); `*.example.internal` matches every subdomain.
    #[must_use]
    pub fn allow_host(mut self, name: &str) -> Self {
        self.allow_hosts
            .push(name.trim_end_matches('.').to_ascii_lowercase());
        self
    }

    /// Refuses every address in `cidr`, whether or not the guard is on.
    ///
    /// IPv6 addresses that embed an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are
    /// matched by the embedded address too, as the default ranges are: denying `10.0.0.0/8` also
    /// refuses `::ffff:10.1.2.3`.
    #[must_use]
    pub fn deny_cidr(mut self, cidr: Cidr) -> Self {
        self.deny_cidrs.push(cidr);
        self
    }

    /// Whether the SSRF guard is on.
    pub fn is_guarded(&self) -> bool {
        self.guard
    }

    /// Whether this policy can refuse anything at all.
    pub(crate) fn checks_anything(&self) -> bool {
        self.guard || !self.deny_cidrs.is_empty()
    }

    /// Whether `host` is on the host allow-list.
    pub fn is_host_allowed(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.allow_hosts
            .iter()
            .any(|allowed| match allowed.strip_prefix("*.") {
                Some(suffix) => {
                    host.len() > suffix.len() + 1
                        && host[host.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
                        && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
                }
                None => host.eq_ignore_ascii_case(allowed),
            })
    }

    /// Checks one address that `host` resolved to (or that `host` is, for an IP literal).
    pub fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), PolicyViolation> {
        let refuse = |reason: String| PolicyViolation {
            host: host.to_owned(),
            addr: ip,
            reason,
        };
        if let Some(net) = self
            .deny_cidrs
            .iter()
            .find(|net| ranges::cidr_matches(net, ip))
        {
            return Err(refuse(format!("in denied range {net}")));
        }
        if !self.guard || self.is_host_allowed(host) {
            return Ok(());
        }
        if self.allow_cidrs.iter().any(|net| net.contains(ip)) {
            return Ok(());
        }
        match denied_range(ip) {
            Some(why) => Err(refuse(why.to_owned())),
            None => Ok(()),
        }
    }
}
